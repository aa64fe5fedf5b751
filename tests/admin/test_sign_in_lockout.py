"""The API's password sign-in shares the web page's lock-out, so guessing cannot go around it."""

from __future__ import annotations

from models.staff import StaffRole
from tests.admin.conftest import Api, make_staff

EMAIL, PASSWORD = "lee@example.org", "a long pass phrase"


async def test_repeated_wrong_passwords_pause_sign_in_through_the_api(api: Api) -> None:
    await make_staff(api.db, StaffRole.AGENT, email=EMAIL, password=PASSWORD)

    async def sign_in(password: str) -> tuple[int, dict[str, str]]:
        response = await api.client.post(
            "/api/v1/auth/token", data={"username": EMAIL, "password": password}
        )
        return response.status_code, dict(response.headers)

    tries = [(await sign_in("wrong guess!!"))[0] for _ in range(6)]
    assert tries == [401, 401, 401, 401, 401, 429]
    status, headers = await sign_in(PASSWORD)
    assert status == 429
    assert 0 < int(headers["retry-after"]) <= 15 * 60
