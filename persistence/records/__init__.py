"""Child and family records' storage: scoped reads of children, guardians, household
and pick-up persons, their writes, and the roster CSV import (``roster``)."""
