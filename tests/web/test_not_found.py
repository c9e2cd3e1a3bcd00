"""An address that matches nothing gets a page of the site, not Django's bare "Not Found" (issue 23)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@pytest.mark.parametrize("address", ["/s/", "/s/abc/nothing-here/", "/no-such-page/"])
def test_an_address_that_matches_nothing_is_a_page_of_the_site(client, address):
    response = client.get(address)

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no page at this address" in page
    assert "Limelight" in page
    assert "<h1>Not Found</h1>" not in page
