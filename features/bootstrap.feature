Feature: Bootstrapping from GWebCaches, UDP host caches and the host cache
  A servent that knows nobody finds the network through a GWebCache or a UDP
  host cache; once it has been connected it remembers who answered and comes
  back through them alone (shared/spec/bootstrap.md). The caches are fixtures
  on the scenario network's gateway: a GWebCache fixture answering in the
  GWC v2 dialect, and a UDP host cache fixture on a real UDP socket. Fixture
  ultrapeers listen where the caches point.

  @BOOT-12 @BOOT-13 @BOOT-16 @BOOT-17
  Scenario: An empty servent bootstraps from a GWebCache
    Given fixture ultrapeer "U1" is listening
    And a GWebCache "gwc" that lists "U1"
    When the SUT starts as a leaf knowing no peer, only "gwc"
    Then "gwc" receives a request for hosts from the SUT, with its client code and version
    And "U1" accepts a connection from the SUT
    And the SUT's requests to "gwc" carry no update, as a leaf may not send one

  @BOOT-5 @BOOT-6 @BOOT-7
  Scenario: An empty servent bootstraps from a UDP host cache that answers with a compressed IPP
    Given fixture ultrapeer "U1" is listening
    And a UDP host cache "uhc" that lists "U1" in a compressed IPP
    When the SUT starts as a leaf knowing no peer, only "uhc"
    Then "uhc" receives a ping from the SUT in one datagram: a 23-byte header with its payload length, TTL 1, hops 0, and SCP saying leaf
    And "U1" accepts a connection from the SUT
    And nothing connects to the port of "uhc" over TCP

  @BOOT-1
  Scenario: After a restart the servent reconnects from its host cache alone
    Given fixture ultrapeer "U1" is listening
    And a UDP host cache "uhc" that lists "U1"
    And a GWebCache "gwc" that lists "U1"
    And the SUT starts as a leaf knowing no peer, only "uhc" and "gwc"
    And "U1" accepts a connection from the SUT
    When the SUT has written its host cache and is killed and started again
    Then "U1" accepts a connection from the SUT again
    And "uhc" heard from the SUT before the restart
    And neither "uhc" nor "gwc" heard from the SUT after the restart

  @BOOT-10 @RT-16
  Scenario: The SUT answers a UDP ping asking for cached pongs with the ultrapeers it knows
    Given the SUT runs as an ultrapeer
    And fixture ultrapeer "U1" is connected to the SUT
    When the harness pings the SUT over UDP with SCP saying leaf
    Then the SUT answers with one pong datagram carrying the ping's MUID, TTL 1, hops 0 and an IPP naming "U1"
