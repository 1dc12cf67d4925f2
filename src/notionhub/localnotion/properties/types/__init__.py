"""The building blocks of data source properties: schema configs, page values, options, dates,
and how values render when a page is read.

The public entry points live one level up (``properties.schema``, ``properties.values``,
``properties.rollup``, and ``render`` for whole pages); the modules here hold one type family
each and are registries, so adding a property type means adding entries, not editing a long
chain of conditions.
"""
