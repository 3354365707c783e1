-- Products of a line retired before 0162 stayed live (a review): 0162
-- retires a line's live products with it, at the same instant, so that
-- orders refuse them, but a line retired earlier kept its products
-- orderable while targets and charters refused the line. They are retired
-- here at their line's instant, which is what reinstating the line (0162)
-- takes for "retired with it": `product-line reinstate` brings them back.
-- A product retired on its own keeps its own instant.

ALTER TABLE products NO FORCE ROW LEVEL SECURITY;
ALTER TABLE product_lines NO FORCE ROW LEVEL SECURITY;
UPDATE products p SET retired_at = l.retired_at
  FROM product_lines l
 WHERE l.tenant_id = p.tenant_id AND l.id = p.product_line_id
   AND l.retired_at IS NOT NULL AND p.retired_at IS NULL;
ALTER TABLE products FORCE ROW LEVEL SECURITY;
ALTER TABLE product_lines FORCE ROW LEVEL SECURITY;
