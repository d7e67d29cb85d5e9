"""SVG charts and maps for the decision documents: no raster, no external fetches."""
