"""The recruiter workspace: thin views over the services and selectors.

Views read through selectors and write through services. A service's PermissionDenied becomes the 403
page (Django's handler), its ValidationError becomes errors on the form that was sent.
"""
