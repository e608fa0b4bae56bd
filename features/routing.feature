Feature: Routing queries, query hits and pushes
  The SUT as an ultrapeer among scripted leaves and ultrapeers, the SUT as a
  leaf under scripted ultrapeers, and small networks of our servents. Every
  judgement is made on what crosses the wire (shared/spec/ultrapeers-and-routing.md
  sections 5 to 7, messages.md sections 4 to 11, qrp.md section 8) or, in
  networks, on the nodes' own counters. Fixture peers speak with
  gtk-gnutella 1.2.3's recorded headers; "absent" means absent for a second
  after a sign that the SUT had already handled the message.

  Rule: as an ultrapeer the SUT forwards queries by its leaves' tables and routes replies back

    Background:
      Given the SUT runs as an ultrapeer
      And fixture ultrapeers "U1" and "U2" are connected to the SUT
      And fixture leaves have connected to the SUT and sent these tables:
        | leaf | shares                     | table                                                         |
        | A    | amber falcon sonata.mp3    | 2^16 slots, infinity 7, 4-bit, zlib                           |
        | B    | basalt falcon etude.ogg    | 2^17 slots, infinity 2, 8-bit, uncompressed, 4096-byte chunks |
        | C    | cobalt heron nocturne.flac | 2^14 slots, infinity 1, 4-bit, zlib, 8-byte chunks            |
      And the SUT has taken the tables of "A", "B" and "C"

    @RT-1 @MSG-8 @MSG-14 @QRP-10 @QRP-11 @QRP-18 @UP-7
    Scenario Outline: A query reaches exactly the leaves whose tables hold all its words (<criteria>)
      When "U1" sends a query for "<criteria>" with TTL 3 and hops 0
      Then "U2" receives that query
      And the leaves receiving that query are exactly <leaves>
      And every copy of that query has TTL 2 and hops 1
      And "U1" does not receive that query

      Examples:
        | criteria       | leaves      |
        | amber          | "A"         |
        | falcon         | "A" and "B" |
        | falcon mp3     | "A"         |
        | HERON Nocturne | "C"         |
        | amber heron    | none        |

    @QRP-12 @MSG-9 @RT-1
    Scenario: A query that arrives with TTL 1 still reaches the matching leaves, and no ultrapeer
      When "U1" sends a query for "falcon" with TTL 1 and hops 2
      Then the leaves receiving that query are exactly "A" and "B"
      And every copy of that query has TTL 0 or 1 and hops 3
      And "U2" does not receive that query

    @RT-2 @MSG-12
    Scenario: A query seen once is not forwarded again, whichever ultrapeer sends it again
      When "U1" sends a query for "amber" with TTL 3 and hops 0
      Then "U2" receives that query
      When "U2" sends that query again with TTL 3 and hops 0
      And "U1" sends that query again with TTL 3 and hops 0
      And the SUT has read everything "U1" and "U2" sent
      Then "A" has received that query exactly once
      And "U2" has received that query exactly once
      And "U1" does not receive that query

    @RT-3 @MSG-15 @RT-1 @MSG-8
    Scenario: Query hits go back only along the path their query came by
      When "U1" sends query "q1" for "falcon" with TTL 3 and hops 0
      And "U2" sends query "q2" for "falcon" with TTL 3 and hops 0
      And "A" answers query "q1" with a hit of TTL 3
      And "B" answers query "q2" with a hit of TTL 3
      Then "U1" receives the hit of "A" for query "q1" with TTL 2 and hops 1
      And "U2" receives the hit of "B" for query "q2" with TTL 2 and hops 1
      And no other fixture receives a hit for query "q1" or query "q2"

    @RT-3 @MSG-15
    Scenario: A query hit whose GUID no query carried is dropped, and counted
      When "U1" sends query "q1" for "amber" with TTL 3 and hops 0
      And "A" sends a hit of TTL 3 for a GUID no query carried
      And "A" answers query "q1" with a hit of TTL 3
      Then "U1" receives the hit of "A" for query "q1" with TTL 2 and hops 1
      And no fixture receives the hit for the GUID no query carried
      And the SUT's drop counters, where it reports them, have risen by at least 1

    @UP-9 @MSG-37 @RT-10
    Scenario Outline: A leaf's Hops Flow of <value> decides whether a query that has come 1 hop reaches it
      When "B" sends Hops Flow <value> and the SUT has read it
      And "U1" sends a query for "falcon" with TTL 3 and hops 0
      Then "A" receives that query
      And "B" <gets> that query
      And no fixture receives the Hops Flow message of "B"

      Examples:
        | value | gets             |
        | 0     | does not receive |
        | 1     | does not receive |
        | 2     | receives         |

    @MSG-5
    Scenario: A message of an unknown type is skipped by its length and the next one is handled
      When "U1" sends a message of type 0x55 with a 5-byte payload and a query for "amber" with TTL 3 and hops 0, in one segment
      Then "A" receives that query
      And every copy of that query has TTL 2 and hops 1
      And no fixture receives the message of type 0x55
      And "U1" is still connected to the SUT

    @RT-6 @MSG-10
    Scenario: A query with hops + TTL above 7 is trimmed or dropped, never relayed as it came
      When "U1" sends query "big" for "amber" with TTL 10 and hops 0
      And "U1" sends query "marker" for "amber" with TTL 3 and hops 0
      Then "A" receives query "marker"
      And every copy of query "big" has hops + TTL at most 7

    @RT-4 @MSG-17
    Scenario: A push goes to the leaf whose hit carried its servent id, and nowhere without a route
      When "U1" sends query "q1" for "amber" with TTL 3 and hops 0
      And "A" answers query "q1" with a hit of TTL 3
      Then "U1" receives the hit of "A" for query "q1" with TTL 2 and hops 1
      When "U1" sends a push for file 1 of "A" with TTL 3
      And "U1" sends a push for a servent id no hit carried with TTL 3
      Then "A" receives the push for file 1 with TTL 2 and hops 1
      And no fixture receives the push for the servent id no hit carried

  Rule: as a leaf the SUT answers queries for its files and relays nothing

    Background:
      Given fixture ultrapeers "U1" and "U2" are listening
      And the SUT runs as a leaf connected to "U1" and "U2", sharing:
        | file                    |
        | Gnutella Protocol.txt   |
        | amber falcon sonata.mp3 |
      And "U1" and "U2" have accepted the SUT and received its QRP table

    @UP-8 @MSG-18 @RT-8
    Scenario: A leaf relays no query from one ultrapeer to the other
      When "U1" sends query "miss" for "zebra" with TTL 3 and hops 1
      And "U1" sends query "hit" for "gnutella" with TTL 3 and hops 1
      Then the SUT answers query "hit" with a hit naming exactly "Gnutella Protocol.txt"
      And "U2" has received no query at all
      And every message the SUT sent "U1" and "U2" has hops 0 and TTL at least 1

    @UP-10 @RT-7 @MSG-16 @MSG-27 @MSG-28 @MSG-29
    Scenario Outline: A leaf answers a query that arrives with TTL <ttl> with a well-formed hit
      When "U1" sends a query for "PROTOCOL gnutella" with TTL <ttl> and hops 2
      Then the SUT answers that query with a hit naming exactly "Gnutella Protocol.txt"
      And the hit carries the query's GUID, hops 0 and a TTL of at least 3
      And the hit gives the size and SHA-1 of each file it names
      And the hit, read by hand, has 1 to 10 records each ending in a NUL pair, an EQHD, and 16 bytes of servent id, as the codec reads it
      And the hit's EQHD flags follow the enable/value rule with the reserved bits 0

      Examples:
        | ttl |
        | 0   |
        | 1   |

    @MSG-27 @UP-10
    Scenario Outline: A leaf answers only when every word of the query matches one file (<criteria>)
      When "U1" sends a query for "<criteria>" with TTL 1 and hops 1
      Then the SUT answers that query <answer>

      Examples:
        | criteria        | answer                                                 |
        | amber SONATA    | with a hit naming exactly "amber falcon sonata.mp3"    |
        | Falcon          | with a hit naming exactly "amber falcon sonata.mp3"    |
        | amber zebra     | with no hit                                            |
        | gnutella falcon | with no hit                                            |

    @MSG-27 @MSG-28
    Scenario: A leaf answers a query by SHA-1 alone, and all its hits end with one servent id
      When "U1" sends query "by-hash" for the SHA-1 of "amber falcon sonata.mp3" with TTL 1 and hops 1
      And "U2" sends query "by-word" for "gnutella" with TTL 1 and hops 1
      Then the SUT answers query "by-hash" with a hit naming exactly "amber falcon sonata.mp3"
      And the SUT answers query "by-word" with a hit naming exactly "Gnutella Protocol.txt"
      And the hits for query "by-hash" and query "by-word" end with the same servent id

  Rule: in a network of servents, searches cross ultrapeers and reach only the leaves that match

    Background:
      Given servents "up-1" and "up-2" run as ultrapeers, connected to each other
      And these servents run as leaves, sharing generated files:
        | leaf   | ultrapeer | files                                           |
        | leaf-1 | up-1      | amber falcon sonata.mp3                         |
        | leaf-2 | up-1      | basalt heron etude.ogg                          |
        | leaf-3 | up-1      | cobalt lantern suite.flac                       |
        | leaf-4 | up-2      | dune falcon nocturne.mp3                        |
        | leaf-5 | up-2      | ember harbor overture.txt                       |
        | leaf-6 | up-2      | granite heron waltz.ogg, heron harbor ballad.mp3 |
      And fixture leaves "O1" on "up-1" and "O2" on "up-2" have sent tables for "observer only.bin"
      And each ultrapeer has taken the tables of all its leaves

    @RT-1 @RT-3 @MSG-14 @MSG-15 @QRP-11 @UP-7
    Scenario: A search from a leaf finds the files of leaves on both ultrapeers, and reaches no other leaf
      When "leaf-1" searches for "heron" with TTL 3
      Then within 15 seconds "leaf-1" has results for exactly "basalt heron etude.ogg", "granite heron waltz.ogg" and "heron harbor ballad.mp3"
      And each result names the leaf sharing it and the SHA-1 of the file's bytes
      And of the leaves, only "leaf-2" and "leaf-6" count a query received
      And neither "O1" nor "O2" receives that search

    @QRP-11 @UP-7
    Scenario: A query that no leaf's table matches reaches no leaf
      When "leaf-1" searches for "zephyr quartz" with TTL 3
      Then "up-2" counts that search arriving
      And of the leaves, none counts a query received
      And neither "O1" nor "O2" receives that search
