"""Retry rules: what is retried, how long to wait, Retry-After, budget and jitter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.gateway import errors as gw
from bot.gateway.retry import RetryPolicy, parse_retry_after, retryable


def policy(**kwargs: object) -> RetryPolicy:
    return RetryPolicy(**{"random": lambda: 0.0, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        gw.RateLimitError("x", status=429),
        gw.ServerError("x", status=502),
        gw.ServerError("x", status=503),
        gw.ServerError("x", status=504),
        gw.GatewayConnectionError("refused"),
        gw.StreamIncompleteError("cut"),
    ],
)
def test_retried(error: gw.GatewayError) -> None:
    assert retryable(error)
    assert error.retryable  # the class flag and the policy say the same
    assert policy().delay_for(1, error) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "error",
    [
        gw.BadRequestError("x", status=400),
        gw.ContentPolicyError("x", status=400),
        gw.AuthenticationError("x", status=401),
        gw.InsufficientCreditsError("x", status=402),
        gw.PermissionDeniedError("x", status=403),
        gw.NotFoundError("x", status=404),
        gw.BadRequestError("x", status=424),
        gw.ServerError("may be billed", status=500),
        gw.GatewayTimeoutError("sent, then no answer: may be billed"),
        gw.ServerError("x", status=501),
        gw.ServerError("no status"),
        gw.BadResponseError("garbage"),
        gw.InvalidImageError("not an image"),
        gw.ImageTooLargeError("huge"),
        ValueError("not ours"),
    ],
)
def test_never_retried(error: BaseException) -> None:
    assert not retryable(error)
    assert not getattr(error, "retryable", False)  # the class flag and the policy say the same
    assert policy().delay_for(1, error) is None


@pytest.mark.parametrize(
    "error",
    [
        gw.GatewayConnectionError("x"),
        gw.GatewayTimeoutError("x"),
        gw.StreamIncompleteError("x"),
        gw.RateLimitError("x"),
    ],
)
def test_nothing_is_retried_after_output(error: gw.GatewayError) -> None:
    assert policy().delay_for(1, error, after_output=True) is None


def test_max_attempts_counts_the_first_attempt() -> None:
    rule = policy(max_attempts=3)
    error = gw.ServerError("x", status=503)
    assert rule.delay_for(1, error) is not None
    assert rule.delay_for(2, error) is not None
    assert rule.delay_for(3, error) is None
    assert policy(max_attempts=1).delay_for(1, error) is None


def test_backoff_doubles_and_is_capped() -> None:
    rule = policy(base_delay=0.5, max_delay=3.0, max_attempts=10)
    delays = [rule.delay_for(n, gw.ServerError("x", status=502)) for n in range(1, 6)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("draw", [0.0, 0.3, 0.999999])
def test_jitter_stays_within_bounds(draw: float) -> None:
    rule = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.25, random=lambda: draw)
    delay = rule.delay_for(2, gw.GatewayConnectionError("x"))
    assert delay is not None
    assert 1.5 <= delay <= 2.0
    assert delay == pytest.approx(2.0 * (1 - 0.25 * draw))


def test_jitter_with_the_real_random_source_is_bounded() -> None:
    rule = RetryPolicy(base_delay=1.0, jitter=0.5)
    delays = {rule.backoff(1) for _ in range(200)}
    assert all(0.5 <= d <= 1.0 for d in delays)
    assert len(delays) > 1  # really jittered


def test_retry_after_is_honoured_even_beyond_max_delay() -> None:
    error = gw.RateLimitError("x", status=429, retry_after=20.0)
    assert policy(max_delay=8.0).delay_for(1, error) == 20.0


def test_retry_after_beyond_remaining_budget_is_not_retried() -> None:
    error = gw.RateLimitError("x", status=429, retry_after=30.0)
    assert policy(total_budget=120.0).delay_for(1, error, elapsed=95.0) is None
    assert policy(total_budget=120.0).delay_for(1, error, elapsed=80.0) == 30.0


def test_backoff_beyond_remaining_budget_is_not_retried() -> None:
    error = gw.ServerError("x", status=503)
    assert policy(base_delay=2.0, total_budget=10.0).delay_for(1, error, elapsed=9.0) is None
    assert policy(total_budget=10.0).delay_for(1, error, elapsed=11.0) is None


def test_rate_limit_without_retry_after_uses_backoff() -> None:
    assert policy(base_delay=0.25).delay_for(1, gw.RateLimitError("x", status=429)) == 0.25


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)


async def test_injected_sleep_is_used() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    rule = RetryPolicy(sleep=sleep)
    await rule.sleep(1.25)
    assert slept == [1.25]


NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),
        ("Wed, 25 Nov 2026 12:01:00 GMT", 60.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_default_policy_tries_three_times_within_two_minutes() -> None:
    """The client's defaults (`GatewayClient` uses `RetryPolicy()`): 3 attempts, 0.5 s then 1 s
    of back-off (at most a quarter shorter), never past 8 s a wait nor 120 s in all."""
    rule = RetryPolicy(random=lambda: 0.0)  # no jitter drawn: the ceilings
    error = gw.ServerError("x", status=503)
    assert [rule.delay_for(n, error) for n in (1, 2, 3)] == [0.5, 1.0, None]
    assert RetryPolicy(random=lambda: 1.0).delay_for(1, error) == pytest.approx(0.375)
    many = RetryPolicy(max_attempts=20, random=lambda: 0.0)
    assert [many.backoff(n) for n in (4, 5, 6)] == [4.0, 8.0, 8.0]
    assert many.delay_for(2, error, elapsed=119.5) is None  # 1 s would end past 120 s
    assert many.delay_for(2, error, elapsed=118.5) == 1.0
