@faults
Feature: A servent under network faults
  The SUT meets a slow link, a reset in mid-handshake, corrupted bytes, a
  freeze and a partition, and keeps serving its other peers. Latency, resets
  and corruption come from a fault proxy on the host between a fixture peer
  and the SUT (the kernel here has no netem); the freeze is docker pause, the
  partition a disconnect from the scenario network, the rate limit tc tbf in
  the SUT's network namespace.

  @HS-19 @MSG-20
  Scenario: A leaf behind 500 ms of latency each way completes its handshake and gets its pong
    Given the SUT runs as an ultrapeer
    And a fault proxy "far" in front of the SUT with latency 500 ms
    When fixture leaf "distant" connects to the SUT through proxy "far"
    Then "distant" waited at least 1000 ms for the SUT's answer to its handshake
    And "distant" gets a pong to an alive ping within 5 seconds

  @HS-19
  Scenario: A reset in the middle of the SUT's handshake answer does not stop it accepting the next leaf
    Given the SUT runs as an ultrapeer
    And a fault proxy "cutter" in front of the SUT with a reset after 40 bytes from the SUT
    When a fixture leaf connects to the SUT through proxy "cutter" and sends its handshake
    Then proxy "cutter" reset the fixture's connection after exactly 40 bytes from the SUT
    When fixture leaf "next" is connected to the SUT
    Then "next" gets a pong to an alive ping within 5 seconds

  Scenario Outline: A stream corrupted on the way gets that link closed while another leaf's link keeps working (<stream>)
    Given the SUT runs as an ultrapeer
    And fixture leaf "calm" is connected to the SUT
    And a fault proxy "noisy" in front of the SUT
    When a fixture leaf that <offers> deflate connects to the SUT through proxy "noisy" and completes its handshake
    And proxy "noisy" flips byte <byte> of what the fixture sends next
    And the fixture sends an alive ping
    Then the SUT closes the connection within 10 seconds
    And proxy "noisy" corrupted exactly one byte
    And "calm" gets a pong to an alive ping within 5 seconds

    # Byte 0 of the zlib stream, 78 turned 87: no valid RFC 1950 header, and as
    # raw deflate a block of the reserved type 3. Either way the inflater fails.
    Examples: a compressed stream
      | stream                           | offers | byte |
      | deflated, its zlib header broken | offers | 0    |

    # Byte 22 is the high byte of the ping's payload length: 0 becomes 0xff000000.
    @MSG-4
    Examples: a plain stream
      | stream                             | offers         | byte |
      | plain, a payload length past 64 KiB | does not offer | 22   |

  @MSG-20
  Scenario: A SUT paused for 3 seconds answers, once resumed, the ping that came while it was frozen
    Given the SUT runs as an ultrapeer
    And fixture leaf "steady" is connected to the SUT
    When the SUT is paused for 3 seconds while "steady" sends an alive ping
    Then "steady" got no pong while the SUT was paused
    And "steady" gets the pong to that ping within 5 seconds of the SUT resuming
    When the SUT is paused for 2 seconds
    Then "steady" gets a pong to an alive ping within 5 seconds

  Scenario: A SUT cut off its network is unreachable, and accepts a new leaf once it is back
    Given the SUT runs as an ultrapeer
    When the SUT is disconnected from the network
    Then a connection attempt to the SUT fails within 3 seconds
    When the SUT is reconnected to the network
    And fixture leaf "back" is connected to the SUT
    Then "back" gets a pong to an alive ping within 5 seconds

  Scenario: A leaf still gets its pong from a SUT whose link is throttled to 64 kbit/s
    Given the SUT runs as an ultrapeer
    And the SUT's link is throttled to 64 kbit/s
    When fixture leaf "thin" is connected to the SUT
    Then "thin" gets a pong to an alive ping within 5 seconds
