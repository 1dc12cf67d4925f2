"""What every endpoint's input and output share: ids, checks of body fields, request bodies,
pagination."""
