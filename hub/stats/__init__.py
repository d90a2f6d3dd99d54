"""Statistics: event roll-ups, figures and norms, the live view, the dashboard API and page."""
