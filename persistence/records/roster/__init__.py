"""Importing the ward's roster CSV into one facility (``hoiku import-csv``).

``csv_format`` (columns, encodings) → ``parsing`` (one row, validated) →
``grouping`` (rows into children with guardians) → ``read.parse_roster`` (all of
it) → ``importer.import_roster`` (the database, one transaction). Kept free of
re-exports so that ``hoiku --help`` can show the columns without loading the ORM.
"""
