# plugins: filled in by its issue
