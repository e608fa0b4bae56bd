Feature: Pong caching
  An ultrapeer never relays pings: it answers them from its pong cache, which
  it refreshes by pinging its own ultrapeers, and it answers a peer at most
  once per 2.5 seconds however fast that peer pings
  (shared/spec/ultrapeers-and-routing.md section 8). Fixture ultrapeers "U1"
  and "U2" answer pings with a pong about themselves, as pong-caching
  servents do; fixture ultrapeer "P" does the pinging. Every fixture speaks
  with gtk-gnutella 1.2.3's recorded headers, GGEP included.

  Background:
    Given the SUT runs as an ultrapeer
    And fixture ultrapeers "U1" and "U2" are connected to the SUT
    And "U1" and "U2" answer pings as pong-caching ultrapeers do
    And fixture ultrapeer "P" is connected to the SUT

  @RT-11 @RT-12 @RT-17
  Scenario: A peer pinging faster than allowed gets cached pongs, not a flood
    When "P" sends 12 pings with TTL 7, one every 500 ms
    Then the SUT answered at most one of those pings per 2.5 seconds, and at least one
    And every pong the SUT sent "P" carries the GUID of one of its pings, at most 10 pongs a ping
    And "P" got cached pongs describing "U1" and "U2", each with hops of at least 1
    And none of those pings reached "U1" and "U2", which got only pings of the SUT's own, with hops 0

  @RT-13
  Scenario: A crawler ping is answered with pongs about the SUT's neighbours
    When "P" sends a ping with TTL 2 and hops 0
    Then "P" receives one pong describing each of "U1" and "U2", with hops 1, and no pong about the SUT

  @RT-14 @RT-15
  Scenario: The SUT's own pong marks it as an ultrapeer and carries its uptime and free slots
    When "P" sends a ping with TTL 3 and hops 0
    Then the SUT's own pong to "P" marks an ultrapeer and carries GGEP "DU" and "UP"

  @RT-16 @BOOT-10
  Scenario: A ping carrying SCP gets the ultrapeers the SUT knows, packed in IPP
    When "P" sends a ping with TTL 1 and hops 0 carrying SCP
    Then the SUT's own pong to "P" carries an IPP whose length is a multiple of 6, naming "U1" and "U2"
