# Import (and so register) this project's plugins before anything is built; fail loudly if that
# import fails. Inherit this file from every leaf that starts from an upstream config.
custom_imports = dict(imports=['mmaction_plugins'], allow_failed_imports=False)
