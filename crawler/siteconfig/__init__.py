"""Site YAML -> typed, validated models; see `crawler.sites` for the public names."""
