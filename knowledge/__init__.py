"""Knowledge base (FAQ articles) and product catalogue: models, search, editor API, import/export."""
