"""audit rows belong to the facility of the record accessed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

An audit row's facility used to be the reader's: a director's auditLog missed the
reads of their facility's records by guardians and the ward admin (who have no
facility), and showed their staff's reads of other facilities' records. New rows
take the facility of the record read or written (persistence/repositories/audit.py);
this backfills the rows already written, where the record's facility can be derived.

Only reads, and rows with no facility at all, are rewritten: other writes already
named the facility of the record written at the time of writing, which is kept.
A read of a child who has since moved lands at the child's present facility, the
best the log can say now. The rule is copied, not imported: a migration stays as it
was when it ran, whatever the application code becomes.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_LINKED_CHILD_FACILITY = """(SELECT c.facility_id FROM guardianship g JOIN child c ON c.id = g.child_id
      WHERE g.guardian_id = a.record_id
      ORDER BY c.facility_id IS DISTINCT FROM a.facility_id, c.facility_id
      LIMIT 1)"""

BACKFILL = f"""
    WITH derived AS (
        SELECT a.seq, CASE a.entity
            WHEN 'child' THEN (SELECT c.facility_id FROM child c WHERE c.id = a.record_id)
            WHEN 'guardianship' THEN (SELECT c.facility_id FROM child c WHERE c.id = a.record_id)
            WHEN 'guardian' THEN {_LINKED_CHILD_FACILITY}
            WHEN 'household_member' THEN (SELECT c.facility_id FROM household_member m
                JOIN child c ON c.id = m.child_id WHERE m.id = a.record_id)
            WHEN 'pickup_person' THEN (SELECT c.facility_id FROM pickup_person p
                JOIN child c ON c.id = p.child_id WHERE p.id = a.record_id)
            WHEN 'classroom' THEN (SELECT r.facility_id FROM classroom r WHERE r.id = a.record_id)
            WHEN 'attendance_stamp' THEN
                (SELECT s.facility_id FROM attendance_stamp s WHERE s.id = a.record_id)
            WHEN 'attendance_notice' THEN
                (SELECT n.facility_id FROM attendance_notice n WHERE n.id = a.record_id)
            WHEN 'attendance_alert' THEN
                (SELECT l.facility_id FROM attendance_alert l WHERE l.id = a.record_id)
            WHEN 'staff_presence' THEN
                (SELECT p.facility_id FROM staff_presence p WHERE p.id = a.record_id)
            WHEN 'account' THEN (SELECT u.facility_id FROM account u WHERE u.id = a.record_id)
            END AS facility_id
          FROM audit_log a
         WHERE a.action = 'read' OR a.facility_id IS NULL
    )
    UPDATE audit_log a SET facility_id = d.facility_id
      FROM derived d
     WHERE a.seq = d.seq
       AND d.facility_id IS NOT NULL
       AND a.facility_id IS DISTINCT FROM d.facility_id
"""


def upgrade() -> None:
    # The audit log refuses UPDATE for every role, its owner included (a trigger, see
    # 0001), so the backfill switches that trigger off for this one statement. ALTER
    # TABLE holds an ACCESS EXCLUSIVE lock on audit_log until this migration's
    # transaction ends, so no other session can rewrite (or even append to) the log
    # while the trigger is off, and a failure rolls the DISABLE back with the rest.
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete")


def downgrade() -> None:
    # The readers' facilities were overwritten and are not kept; the derived ones stay
    # (the older code reads them as it reads any other facility).
    pass
