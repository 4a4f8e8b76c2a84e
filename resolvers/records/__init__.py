"""Records (台帳): children, guardians, household members, pick-up persons, the audit log.

- Adapters: ``api`` (the write mutations: unpack, then call a service),
  ``fields`` (records by id and the resolvers of the records types' fields),
  ``lists`` (paginated children and audit log).
- Services: ``children``, ``guardians``, ``household_and_pickup`` (scoped,
  policy-checked, audited writes in one unit of work), with ``field_rules``
  (which input field is which item class, and how its value is checked).
- Loaders: the shared ``resolvers.loaders`` (children, guardians, classrooms).
"""
