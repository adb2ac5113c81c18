"""eduwatch's service half: configuration, store, change detection, alerts, scheduler, CLI."""
