"""Reading what the user gives, the bottom of the pipeline: ``sources`` walks the paths
(exclusions, git-ignored files, size limits) and reads each file's text; ``documents`` turns
YAML and JSON into documents whose every value keeps its line and column (the node-tree
builder in ``nodes`` is the fast path, the event builder in ``events`` the reference that the
tests hold it to); ``errors`` is the located error every layer reports bad input with; and
``identifiers`` and ``masking`` find personal identifiers and password values so that no
output shows them. Nothing here knows what a descriptor or a policy is."""
