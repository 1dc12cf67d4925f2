"""The building blocks of data source properties: schema configs, page values, options, dates.

The public entry points live one level up (``property_schema``, ``property_values``,
``rollup``); the modules here hold one type family each and are registries, so adding a
property type means adding entries, not editing a long chain of conditions.
"""
