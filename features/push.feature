Feature: Push for firewalled hosts
  A leaf behind a real firewall (iptables in its network namespace drops
  every inbound SYN to its Gnutella port) learns it cannot be reached, names
  its ultrapeer as push proxy, and serves a servent outside through PUSH and
  GIV: first along the network route, then through the push proxy once the
  route is gone (shared/spec/push.md).

  Background:
    Given servent "U" runs as an ultrapeer
    And servent "L" runs as a leaf sharing the 1 MiB file "hidden.bin" behind a firewall
    And servent "L" is told to connect to servent "U"
    And within 30 seconds servent "L" reports itself firewalled with servent "U" as push proxy
    And servent "D" runs as an ultrapeer connected to servents "U"

  @PUSH-2 @PUSH-4 @PUSH-7 @PUSH-8 @PUSH-9 @MSG-29 @PUSH-11
  Scenario: A servent outside downloads the firewalled leaf's file through PUSH and GIV
    When servent "D" downloads the magnet of "hidden.bin"
    Then within 60 seconds servent "D" has saved "hidden.bin" with the right SHA-1
    And servent "D" reports its source at servent "L" as firewalled
    And servent "U" has relayed a push

  @PUSH-13 @PUSH-15 @PUSH-16 @PUSH-17
  Scenario: With the route gone, the download goes through the leaf's push proxy
    Given servent "D" searches for "hidden" and finds it at servent "L" with servent "U" as push proxy
    And servent "D" is told to close its connection to servent "U"
    When servent "D" downloads the magnet of "hidden.bin"
    Then within 60 seconds servent "D" has saved "hidden.bin" with the right SHA-1
    And servent "U" has relayed a push
