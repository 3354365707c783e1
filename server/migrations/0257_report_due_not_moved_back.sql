-- An amendment that moved the report due day earlier made drafts overdue
-- at once (a try-out): June's draft, due on 2026-12-10 because the first
-- charter was activated on 2026-12-06 (0185), became due on 2026-07-03
-- when an amendment set the due day to the 3rd, OVERDUE as it was
-- activated and late for good once submitted; a move from the 20th to the
-- 3rd on the 6th did the same to the month just ended.
--
-- A draft's new due day now comes no earlier than the one it had, unless
-- the new terms' first due day from this activation comes first: the new
-- day applies to the months still to fall due under it, and a month already
-- late stays as late as it was. Replaces liaison_report_due_follow (0115)
-- whole but for that.
CREATE OR REPLACE FUNCTION liaison_report_due_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    from_now date;
BEGIN
    SELECT (date_trunc('month', a.d::timestamp) + (NEW.report_due_day - 1) * interval '1 day'
            + CASE WHEN extract(day FROM a.d) > NEW.report_due_day THEN interval '1 month'
                   ELSE interval '0' END)::date
      INTO from_now
      FROM (SELECT (coalesce(NEW.activated_at, now()) AT TIME ZONE 'UTC')::date AS d) a;
    UPDATE public.monthly_reports r
       SET due_on = greatest((r.period + interval '1 month')::date + (NEW.report_due_day - 1),
                             least(r.due_on, from_now))
     WHERE r.tenant_id = NEW.tenant_id AND r.distributor_id = NEW.distributor_id
       AND r.status = 'draft' AND r.submitted_at IS NULL
       AND r.due_on <> greatest((r.period + interval '1 month')::date + (NEW.report_due_day - 1),
                                least(r.due_on, from_now));
    RETURN NEW;
END $$;
