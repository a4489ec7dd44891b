-- A funnel over the checkout machine: how many users reached each step, in order, and the conversion from
-- the step before. An event counts for a step only if it came after the user's first event of the
-- previous step.
WITH steps AS (
  SELECT entity_id,
         min(CASE WHEN event_type = 'add_to_cart'    THEN time_ns END) AS t_cart,
         min(CASE WHEN event_type = 'begin_checkout' THEN time_ns END) AS t_checkout,
         min(CASE WHEN event_type = 'place_order'    THEN time_ns END) AS t_order
  FROM eventstate_event_rows
  WHERE entity_type = 'user'
  GROUP BY entity_id
)
SELECT count(t_cart)                                                             AS added_to_cart,
       count(CASE WHEN t_checkout > t_cart THEN 1 END)                           AS began_checkout,
       count(CASE WHEN t_order > t_checkout AND t_checkout > t_cart THEN 1 END)  AS placed_order,
       round(100.0 * count(CASE WHEN t_checkout > t_cart THEN 1 END) / count(t_cart), 1) AS pct_checkout,
       round(100.0 * count(CASE WHEN t_order > t_checkout AND t_checkout > t_cart THEN 1 END)
             / count(CASE WHEN t_checkout > t_cart THEN 1 END), 1)               AS pct_order
FROM steps;
