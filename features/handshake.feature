Feature: Gnutella 0.6 connection handshake
  The servent under test (SUT) meets fixture peers that the harness drives, as
  responder and as initiator, in ultrapeer and in leaf mode. Every judgement is
  made on the bytes that cross the wire (shared/spec/handshake.md, section 11).

  # ---------------------------------------------------------------- responder

  @HS-2 @HS-8 @HS-10 @HS-13 @HS-16 @HS-19 @HS-21 @HS-26 @HS-29
  Scenario: An ultrapeer accepts a leaf and answers with a well-formed block
    Given the SUT runs as an ultrapeer
    When a fixture leaf connects to the SUT and sends its handshake
    Then the SUT answers within 5 seconds with status 200
    And the SUT's block says "X-Ultrapeer" is "True"
    And the SUT's block has a "User-Agent" header
    And the SUT's block offers deflate in "Accept-Encoding"
    And the SUT's block gives the fixture's address in "Remote-IP"
    And the SUT's block gives its own address and port in "Listen-IP"
    And every header line the SUT wrote is canonical, unique, under 1024 bytes and at most 30 lines
    And every boolean the SUT wrote is "True" or "False"

  @HS-2
  Scenario: The SUT waits for the whole of block (1) before it answers
    Given the SUT runs as an ultrapeer
    When a fixture leaf connects to the SUT and sends its handshake without the final empty line
    Then the SUT sends nothing for 1 second
    When the fixture sends the final empty line
    Then the SUT answers within 5 seconds with status 200

  @HS-5 @HS-6 @HS-23
  Scenario: A ping packed into the same segment as block (3) is answered
    Given the SUT runs as an ultrapeer
    When a fixture leaf that does not accept deflate connects to the SUT and sends its handshake
    Then the SUT answers within 5 seconds with status 200
    And the SUT sends nothing for 1 second
    When the fixture sends block (3) and an alive ping in one segment
    Then the SUT's first bytes after the handshake are an uncompressed message header
    And the SUT answers the alive ping with a pong within 5 seconds

  @HS-7 @HS-13
  Scenario Outline: A leaf reads the initiator's role whatever the spelling (<spelling>)
    Given the SUT runs as a leaf
    When a fixture connects to the SUT and sends a handshake with the header "<spelling>"
    Then the SUT answers within 5 seconds with status <status>

    Examples:
      | spelling            | status |
      | X-Ultrapeer: True   | 200    |
      | x-ultrapeer: true   | 200    |
      | X-ULTRAPEER: TRUE   | 200    |
      | x-ultrapeer: false  | not 200 |
      | X-Ultrapeer: FALSE  | not 200 |

  @HS-9 @HS-12
  Scenario: A block with bare LF line endings and a continued header is read
    Given the SUT runs as a leaf
    When a fixture ultrapeer connects to the SUT and sends a handshake with bare LF endings and "X-Ultrapeer" continued on a second line
    Then the SUT answers within 5 seconds with status 200

  @HS-11
  Scenario: Unknown headers are ignored
    Given the SUT runs as an ultrapeer
    When a fixture connects to the SUT and sends a handshake with the header "X-Frobnicate: 1"
    Then the SUT answers within 5 seconds with status 200

  @HS-14
  Scenario Outline: A higher protocol version is answered in 0.6 (<version>)
    Given the SUT runs as an ultrapeer
    When a fixture leaf connects to the SUT and sends its handshake with the first line "GNUTELLA CONNECT/<version>"
    Then the SUT answers within 5 seconds with a "GNUTELLA/0.6" status line

    Examples:
      | version |
      | 0.7     |
      | 1.0     |

  @HS-15
  Scenario: A 0.4 connect never gets a 0.6 status line
    Given the SUT runs as an ultrapeer
    When a fixture connects to the SUT and sends "GNUTELLA CONNECT/0.4\n\n"
    Then within 10 seconds the SUT either answers exactly "GNUTELLA OK\n\n" or closes the connection

  @HS-3 @HS-18 @UP-3
  Scenario: A leaf refuses a leaf and closes the connection
    Given a fixture ultrapeer is listening
    And the SUT runs as a leaf connected to that fixture ultrapeer
    When a fixture leaf connects to the SUT and sends its handshake
    Then the SUT refuses with a status other than 200
    And the SUT closes the connection within 10 seconds

  @HS-17
  Scenario: A leaf's refusal names the ultrapeers it knows
    Given a fixture ultrapeer is listening
    And the SUT runs as a leaf connected to that fixture ultrapeer
    When a fixture leaf connects to the SUT and sends its handshake
    Then the SUT refuses with a status other than 200
    And the SUT's refusal names the fixture ultrapeer in "X-Try-Ultrapeers"

  @HS-3 @UP-4
  Scenario: An ultrapeer with no free leaf slot refuses a leaf and closes the connection
    Given a fixture ultrapeer is listening
    And the SUT runs as an ultrapeer with 1 leaf slot, connected to that fixture ultrapeer
    And a fixture leaf has completed a handshake with the SUT
    When another fixture leaf connects to the SUT and sends its handshake
    Then the SUT refuses with a status other than 200
    And the SUT closes the connection within 10 seconds

  @HS-17 @BOOT-3
  Scenario: An ultrapeer with no free leaf slot names other ultrapeers when it refuses
    Given a fixture ultrapeer is listening
    And the SUT runs as an ultrapeer with 1 leaf slot, connected to that fixture ultrapeer
    And a fixture leaf has completed a handshake with the SUT
    When another fixture leaf connects to the SUT and sends its handshake
    Then the SUT refuses with a status other than 200
    And the SUT's refusal names between 1 and 10 hosts in "X-Try-Ultrapeers"

  @HS-3
  Scenario Outline: A malformed or oversized block is refused and the connection closed (<case>)
    Given the SUT runs as an ultrapeer
    When a fixture connects to the SUT and sends <case>
    Then the SUT does not accept, and closes the connection within 10 seconds

    Examples:
      | case                                   |
      | a block whose first line is garbled    |
      | a block with a 2000-byte header line   |
      | a block of 300 header lines            |
      | 20 KiB of headers without an empty line |

  @HS-29
  Scenario: A connection that never completes block (1) is closed
    Given the SUT runs as an ultrapeer
    When a fixture leaf connects to the SUT and sends its handshake without the final empty line
    Then the SUT closes the connection within 60 seconds

  # ---------------------------------------------------------------- deflate

  @HS-22 @HS-24 @HS-25 @HS-26
  Scenario Outline: Deflate negotiated both ways, the fixture's stream starting <header>
    Given the SUT runs as an ultrapeer
    When a fixture leaf that accepts deflate connects to the SUT and sends its handshake
    Then the SUT answers within 5 seconds with status 200
    And the SUT's block says "Content-Encoding" is "deflate"
    When the fixture confirms with deflate and sends an alive ping compressed with window bits <bits> and level <level>
    Then the SUT's stream after the handshake starts with a zlib header
    And the SUT answers the alive ping with a pong within 2 seconds

    Examples:
      | header | bits | level |
      | 78 9c  | 15   | 6     |
      | 78 da  | 15   | 9     |
      | 68 81  | 14   | 6     |

  @HS-22
  Scenario: The SUT does not compress towards a peer that did not offer deflate
    Given the SUT runs as an ultrapeer
    When a fixture leaf that does not accept deflate connects to the SUT and sends its handshake
    Then the SUT answers within 5 seconds with status 200
    And the SUT's block has no "Content-Encoding" header

  # ---------------------------------------------------------------- initiator

  @HS-1 @HS-5 @HS-16 @HS-21 @HS-26 @HS-30
  Scenario: As a leaf the SUT opens with a well-formed block (1) and completes the handshake
    Given a fixture ultrapeer is listening
    When the SUT runs as a leaf connected to that fixture ultrapeer
    Then the fixture ultrapeer receives a connection from the SUT within 10 seconds
    And the SUT's block (1) starts with exactly "GNUTELLA CONNECT/0.6" and every line ends with CRLF
    And the SUT's block says "X-Ultrapeer" is "False"
    And the SUT's block gives its own address and port in "Listen-IP"
    And the SUT's block offers deflate in "Accept-Encoding"
    And the SUT sends nothing for 1 second
    When the fixture ultrapeer accepts with status 200
    Then the SUT confirms with "GNUTELLA/0.6 200" within 8 seconds of connecting

  @HS-4
  Scenario Outline: Refused by the responder (<status>), the SUT sends nothing more and closes
    Given a fixture ultrapeer is listening
    When the SUT runs as a leaf connected to that fixture ultrapeer
    Then the fixture ultrapeer receives a connection from the SUT within 10 seconds
    When the fixture ultrapeer refuses with status <status>
    Then the SUT closes the connection within 10 seconds without sending anything more

    Examples:
      | status                        |
      | 503 Service Not Available     |
      | 204 Shielded leaf node        |

  @HS-4 @HS-9 @BOOT-2 @BOOT-4
  Scenario: The SUT learns every host of a folded X-Try-Ultrapeers and tries them
    Given 4 more fixture ultrapeers are listening
    And a fixture ultrapeer is listening
    When the SUT runs as an ultrapeer connected to that fixture ultrapeer
    Then the fixture ultrapeer receives a connection from the SUT within 10 seconds
    When the fixture ultrapeer refuses, listing the 4 others in an "X-Try-Ultrapeers" header folded over several lines
    Then each of the 4 other fixture ultrapeers receives a connection from the SUT within 15 seconds

  @HS-24
  Scenario: As a leaf the SUT inflates a 16 KiB-window stream from its ultrapeer
    Given a fixture ultrapeer is listening
    When the SUT runs as a leaf connected to that fixture ultrapeer
    Then the fixture ultrapeer receives a connection from the SUT within 10 seconds
    When the fixture ultrapeer accepts with status 200 and deflate
    And the SUT confirms with "GNUTELLA/0.6 200" within 8 seconds of connecting
    And the fixture sends an alive ping compressed with window bits 14 and level 6
    Then the SUT answers the alive ping with a pong within 2 seconds

  @UP-6
  Scenario: An ultrapeer with a leaf does not demote on X-Ultrapeer-Needed: False
    Given a fixture ultrapeer is listening
    And the SUT runs as an ultrapeer
    And a fixture leaf has completed a handshake with the SUT
    When the SUT is told to connect to that fixture ultrapeer
    Then the fixture ultrapeer receives a connection from the SUT within 10 seconds
    When the fixture ultrapeer accepts with status 200 and "X-Ultrapeer-Needed: False"
    Then the SUT confirms with "GNUTELLA/0.6 200" within 8 seconds of connecting
    And the SUT's block does not say "X-Ultrapeer" is "False"

  # ---------------------------------------------------------------- capabilities

  @HS-27
  Scenario Outline: Bye only to a peer that announced Bye-Packet (<announced>)
    Given the SUT runs as an ultrapeer
    And a fixture leaf that <announced> Bye-Packet has completed a handshake with the SUT
    When the SUT is told to close that connection
    Then the SUT closes the connection within 10 seconds, <bye>

    Examples:
      | announced      | bye                          |
      | announces      | its last message a Bye       |
      | does not announce | having sent no Bye        |

  # ---------------------------------------------------------------- network

  @HS-16 @HS-19 @HS-21
  Scenario: Two servents connect and each reports the other's headers
    Given servent "up" runs as an ultrapeer
    And servent "leaf" runs as a leaf connected to servent "up"
    Then within 10 seconds servent "up" reports a connection from servent "leaf" with "X-Ultrapeer" "False"
    And within 10 seconds servent "leaf" reports a connection to servent "up" with "X-Ultrapeer" "True"

  # ---------------------------------------------------------------- queries

  @HS-28 @RT-8
  Scenario Outline: A fresh query never carries more TTL than the ultrapeer's X-Max-TTL (<max>)
    Given a fixture ultrapeer is listening
    When the SUT runs as a leaf connected to that fixture ultrapeer
    Then the fixture ultrapeer receives a connection from the SUT within 10 seconds
    When the fixture ultrapeer accepts with status 200 and X-Max-TTL <max>
    Then the SUT confirms with "GNUTELLA/0.6 200" within 8 seconds of connecting
    When the SUT is asked to search for "amber falcon"
    Then the fixture ultrapeer receives the SUT's query for "amber falcon" with hops 0 and TTL at most <max> within 5 seconds

    Examples:
      | max |
      | 1   |
      | 2   |
      | 3   |

  # ---------------------------------------------------------------- real clients' header sets

  @profiles
  Rule: the SUT works with the header sets real clients send
    Each example plays one client's handshake headers (fixtures/profiles): gtk-gnutella's from
    a recording, the others assembled from their source. Compression is left out, so every
    example runs on plain links.

    @HS-11 @HS-13 @HS-16 @HS-19 @UP-1 @MSG-20 @QRP-11
    Scenario Outline: A <profile> leaf is accepted by an ultrapeer SUT, gets the headers it looks for, and is searched by its table
      Given the SUT runs as an ultrapeer
      And fixture ultrapeer "U1" is connected to the SUT
      When fixture leaf "L" connects to the SUT with the <profile> headers, sharing "amber falcon sonata.mp3"
      Then the SUT accepted "L" with status 200
      And the SUT's block to "L" carries:
        | header                    | value       |
        | User-Agent                | any         |
        | X-Ultrapeer               | True        |
        | X-Query-Routing           | 0.1 or 0.2  |
        | X-Ultrapeer-Query-Routing | 0.1         |
        | X-Dynamic-Querying        | 0.1         |
        | X-Degree                  | at least 16 |
        | X-Max-TTL                 | 1 to 4      |
      And "L" is still connected to the SUT
      When "L" sends the SUT its QRP table
      And the SUT has taken the table of "L"
      And "U1" sends a query for "amber" with TTL 3 and hops 0
      Then "L" receives that query

      Examples:
        | profile            |
        | gtk-gnutella-1.2.3 |
        | limewire-4.18.8    |
        | bearshare-5.2.5.1  |
        | shareaza-2.7.10.2  |
        | phex-3.4.2.116     |

    @HS-4 @HS-11 @HS-13 @UP-2 @QRP-4 @MSG-20
    Scenario Outline: A <profile> ultrapeer accepts the SUT as a leaf and receives its QRP table
      Given fixture ultrapeer "U" is listening
      And the SUT runs as a leaf connected to "U", sharing:
        | file                    |
        | amber falcon sonata.mp3 |
      When "U" accepts the SUT with the <profile> headers
      Then the SUT confirmed "U" with status 200
      And the SUT's request said "X-Ultrapeer" is "False" and offered "X-Query-Routing"
      And within 30 seconds "U" receives a RESET and then a complete PATCH sequence
      And "U" is still connected to the SUT

      Examples:
        | profile            |
        | gtk-gnutella-1.2.3 |
        | limewire-4.18.8    |
        | bearshare-5.2.5.1  |
        | shareaza-2.7.10.2  |
        | phex-3.4.2.116     |
