Feature: Query routing tables
  The tables a leaf SUT sends its ultrapeers, read byte by byte, and what an
  ultrapeer SUT does with the tables it is sent, good and broken
  (shared/spec/qrp.md sections 5 to 9 and 11). Keyword slots are computed by
  the harness from the shared file names; "gnutella" at 65536 slots is the
  spec's own vector.

  Rule: as a leaf the SUT sends each ultrapeer its table, and updates only what changed

    Background:
      Given fixture ultrapeer "U1" is listening

    @QRP-1 @QRP-2 @QRP-3 @QRP-4 @QRP-5 @QRP-6 @QRP-7 @QRP-8 @QRP-19 @MSG-6 @MSG-39 @UP-2
    Scenario: After the handshake a leaf sends a RESET, then a PATCH sequence of its files' keywords
      Given the SUT runs as a leaf connected to "U1", sharing:
        | file                    |
        | Gnutella Protocol.txt   |
        | amber falcon sonata.mp3 |
      When "U1" accepts the SUT
      Then the SUT's request said "X-Ultrapeer" is "False" and offered "X-Query-Routing"
      And within 30 seconds "U1" receives a RESET and then a complete PATCH sequence
      And every table message has type 0x30, TTL 1, hops 0 and a GUID of its own
      And the RESET, read by hand, has 6 bytes, a power-of-two length of at least 8 and an infinity of at least 1
      And the PATCH messages, read by hand, run 1 to n of n with one compressor and entry width, none over 4096 + 5 bytes
      And the patch data, inflated by hand as one stream, holds exactly one 4- or 8-bit entry per slot
      And the table marks present every word of every shared name, and the LimeWire prefixes of its long words
      And every slot the table marks present belongs to a keyword or SHA-1 URN of a shared file
      And the table, resized to 65536 slots, has slot 21293 present, the spec's slot for "gnutella"

    @QRP-9
    Scenario: A leaf sends nothing while its files stay the same, then a PATCH alone for a new file
      Given the SUT runs as a leaf connected to "U1", sharing:
        | file                  |
        | Gnutella Protocol.txt |
      And "U1" has accepted the SUT and received its QRP table
      Then "U1" receives no further table message for 3 seconds
      When the file "cobalt heron nocturne.flac" is added to the SUT's shares
      Then within 30 seconds "U1" receives a PATCH sequence with no RESET before it
      And that PATCH changes only slots of the new file's keywords and SHA-1, including every word of its name

  Rule: as an ultrapeer the SUT routes to a leaf only by a complete, well-formed table

    Background:
      Given the SUT runs as an ultrapeer
      And fixture ultrapeer "U1" is connected to the SUT
      And fixture leaf "Z" has connected to the SUT and sent a table for "amber falcon sonata.mp3"
      And the SUT has taken the table of "Z"

    @QRP-11 @QRP-15
    Scenario Outline: No query reaches a leaf without a complete table (<state>)
      Given fixture leaf "A" has connected to the SUT and sent <state> for "amber falcon sonata.mp3"
      When "U1" sends a query for "amber" with TTL 3 and hops 0
      Then "Z" receives that query
      And "A" does not receive that query

      Examples:
        | state                                          |
        | no table                                       |
        | a RESET alone                                  |
        | a RESET and the first of 2 PATCH messages      |
        | a whole table, then a new RESET                |

    @QRP-13
    Scenario Outline: A broken PATCH sequence ends the use of that leaf's table (<fault>)
      Given fixture leaf "A" has connected to the SUT and sent a table for "amber falcon sonata.mp3"
      And the SUT has taken the table of "A"
      When "A" sends <fault>
      And "U1" sends a query for "amber" with TTL 3 and hops 0
      Then "Z" receives that query
      And "A" does not receive that query, or the SUT has closed its connection

      Examples:
        | fault                                              |
        | a PATCH numbered 2 of 2 with no PATCH 1 before it  |
        | a PATCH 1 of 2, then a PATCH 2 of 3                |
        | a PATCH with 5-bit entries                         |
        | a PATCH with compressor 2                          |
        | a PATCH whose zlib stream is corrupt               |
        | a PATCH with more entries than the table has slots |

    @QRP-14
    Scenario Outline: A RESET that no table can follow is not routed by (<reset>)
      Given fixture leaf "A" has connected to the SUT and sent <reset> and an all-present PATCH
      When "U1" sends a query for "amber" with TTL 3 and hops 0
      Then "Z" receives that query
      And "A" does not receive that query, or the SUT has closed its connection

      Examples:
        | reset                   |
        | a RESET of 1000 slots   |
        | a RESET with infinity 0 |

  Rule: ultrapeers exchange merged tables, used for the last hop only

    Background:
      Given the SUT runs as an ultrapeer
      And fixture leaf "Z" has connected to the SUT and sent a table for "amber heron sonata.mp3"

    @QRP-16 @QRP-17
    Scenario: The SUT sends its merged table to ultrapeers that route by tables, and to nobody else
      Given fixture ultrapeer "U1" is connected to the SUT
      And fixture ultrapeer "U3" that does not advertise "X-Ultrapeer-Query-Routing" is connected to the SUT
      Then within 30 seconds "U1" receives a complete table in which every word of "amber heron sonata.mp3" is present
      And "U3" has received no table message
      And "Z" has received no table message

    @QRP-16 @MSG-14
    Scenario Outline: A query on its last hop goes to an ultrapeer only if that ultrapeer's table matches (<criteria>, TTL <ttl>)
      Given fixture ultrapeers "U1" and "U2" are connected to the SUT
      And "U2" has sent the SUT a table for "cobalt heron nocturne.flac"
      And the SUT has taken the tables of "Z" and "U2"
      When "U1" sends a query for "<criteria>" with TTL <ttl> and hops 0
      Then "Z" receives that query
      And "U2" <gets> that query

      Examples:
        | criteria | ttl | gets             |
        | heron    | 2   | receives         |
        | amber    | 2   | does not receive |
        | amber    | 3   | receives         |
