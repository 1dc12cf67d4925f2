"""Pages: creating and updating them, moving them, reading one property's items."""
