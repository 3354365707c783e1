-- The time formatters of 0004 were declared IMMUTABLE around to_char(),
-- which PostgreSQL declares STABLE. A SQL function is only inlined into the
-- calling query when its body is no more volatile than the function says,
-- so every call went through the SQL-function executor instead: ~15 µs per
-- call, three calls in a distributor row. STABLE lets the planner inline
-- them; the results are the same.
ALTER FUNCTION liaison_rfc3339(timestamptz) STABLE;
ALTER FUNCTION liaison_rfc3339_ms(timestamptz) STABLE;
ALTER FUNCTION liaison_hhmm(time) STABLE;
