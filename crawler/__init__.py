"""eduwatch's crawling half: site configuration, the spider, its adapters and the normalizer."""
