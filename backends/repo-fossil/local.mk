# backends/repo-fossil: filled in by its issue
