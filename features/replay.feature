Feature: Replays of recorded real-client conversations
  A fixture plays one side of a connection recorded with a real gtk-gnutella
  1.2.3, byte for byte, and judges what the servent under test (SUT) sends
  back. Matchers allow what may legitimately differ from the recording: header
  order and the headers the spec leaves free, GUIDs, TTL and hops of answers,
  the address and port a pong gives (fixtures/README.md, gnutella-fixture/1).

  @HS-2 @HS-16 @HS-19 @HS-22 @MSG-16 @MSG-19 @MSG-23
  Scenario: An ultrapeer takes a recorded gtk-gnutella leaf, its QRP table, vendor messages and ping
    Given the SUT runs as an ultrapeer
    Then the SUT conforms to the recorded fixture "replay/gtk-gnutella-1.2.3-leaf-connects.json"

  @HS-1 @HS-4 @HS-16 @HS-22 @HS-24
  Scenario: A leaf joins a recorded gtk-gnutella ultrapeer that compresses with a 16 KiB window
    Given a fixture ultrapeer is listening
    And the SUT runs as a leaf connected to that fixture ultrapeer
    Then the SUT conforms to the recorded fixture "replay/gtk-gnutella-1.2.3-ultrapeer-accepts-deflate.json"
