"""Pages served by central: the citizen's phone page (more to come: counter,
display board, fleet)."""
