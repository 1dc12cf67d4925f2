"""Rich text: items checked and normalised, mentions rendered."""
