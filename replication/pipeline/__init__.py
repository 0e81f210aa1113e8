"""Pipeline plumbing: parameter validation, seeding, run logging and the papermill runner."""
