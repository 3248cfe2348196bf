"""The named SPARQL queries shipped with takedown-kg (one .rq file each)."""
