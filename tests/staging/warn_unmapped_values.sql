{{ config(severity='warn') }}

-- A value of a source-controlled classification that no seed row maps: it is reported as
-- `unmapped` (or as written, for teams and product categories) until a row is added under
-- seeds/vocabularies/. The build goes on; this lists what to add.

select * from {{ ref('unmapped_values') }}
