-- A month's report made final before the month was over (found in a
-- try-out): a distributor may submit early, on its last working day, and
-- the exporter then reviewed the report, which makes it final (never
-- returned to draft again), while sales of the month's last days were yet
-- to be made; targets, attainment and the handbook then read the month
-- short for good. A report is now reviewed once its month is over where
-- the distributor is, as a month is opened once it has begun there
-- (0060); until then it can still be returned to draft. Replaces
-- liaison_report_review (0032) but for that; its grant stays.

CREATE OR REPLACE FUNCTION liaison_report_review(p_report bigint, p_comment text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rep monthly_reports%ROWTYPE := liaison_report_lock(p_report);
    zone text;
    next_month date;
BEGIN
    PERFORM liaison_precondition(current_setting('liaison.role', true) <> 'distributor_user',
                                 'the exporter reviews reports');
    PERFORM liaison_precondition(rep.status = 'submitted', format(
        'this report is %s: only a submitted report is reviewed', rep.status));
    SELECT coalesce(nullif(d.time_zone, ''), 'UTC') INTO zone FROM distributors d
     WHERE d.tenant_id = liaison_tenant() AND d.id = rep.distributor_id;
    next_month := (rep.period + interval '1 month')::date;
    PERFORM liaison_precondition(
        (liaison_now() AT TIME ZONE coalesce(zone, 'UTC'))::date >= next_month,
        format('%s is not over yet where the distributor is (%s): a review makes the report final,'
               ' so it is reviewed from %s; until then it can be returned to draft',
               to_char(rep.period, 'YYYY-MM'), coalesce(zone, 'UTC'), next_month));
    UPDATE monthly_reports r SET status = 'reviewed', reviewed_by = liaison_request_setting('actor'),
           reviewed_at = liaison_now(), review_comment = coalesce(p_comment, ''),
           updated_by = liaison_request_setting('actor'), updated_at = liaison_now()
     WHERE r.tenant_id = liaison_tenant() AND r.id = rep.id;
    PERFORM liaison_audit('report.reviewed', 'monthly_report', rep.id::text);
    RETURN rep.id;
END $$;
