"""The policies, as validated data: ``policies`` reads the guideline and the policy files
(built in, from packs and from the user's directories) against their published schemas into
a ``Catalog``; ``conditions`` and ``operators`` give a policy's condition tree its meaning,
with one operator table and ``all`` / ``any`` / ``not``; ``docs`` and ``explain`` write what
policy authors and users read about the catalog. It knows descriptors only through
``model`` and never evaluates a file itself."""
