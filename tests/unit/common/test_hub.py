from services.common.hub import Hub


async def test_every_subscriber_gets_every_item_in_order():
    hub: Hub[int] = Hub(maxsize=10)
    a, b = hub.subscribe(), hub.subscribe()
    for i in range(3):
        hub.publish(i)
    assert [(await a.get())[0] for _ in range(3)] == [0, 1, 2]
    assert [(await b.get())[0] for _ in range(3)] == [0, 1, 2]


async def test_slow_subscriber_is_told_what_it_missed_and_does_not_block_others():
    hub: Hub[int] = Hub(maxsize=2)
    slow, fast = hub.subscribe(), hub.subscribe()
    hub.publish(1)
    hub.publish(2)
    assert [(await fast.get())[0] for _ in range(2)] == [1, 2]
    hub.publish(3)  # slow is full: dropped for it only
    hub.publish(4)
    assert [(await slow.get())[0] for _ in range(2)] == [1, 2]
    assert await slow.get() == (None, 2)
    assert [(await fast.get())[0] for _ in range(2)] == [3, 4]


async def test_closed_subscription_stops_receiving():
    hub: Hub[int] = Hub()
    with hub.subscribe():
        assert hub.subscribers == 1
    assert hub.subscribers == 0
