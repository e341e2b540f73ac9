from django.test import Client


def client_for(user) -> Client:
    """A client signed in as ``user`` that answers server errors with a 500 page."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client
