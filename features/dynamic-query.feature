Feature: Dynamic querying, leaf guidance and What's New
  An ultrapeer runs its leaves' queries one ultrapeer connection at a time:
  a probe, then one more neighbour per wait with a TTL it chooses, until
  enough results came back or the leaf says it has enough
  (shared/spec/dynamic-querying.md sections 5 and 6). Fixture ultrapeers
  answer every query they receive with a hit; they send no QRP table, so the
  SUT cannot tell who has what and must widen step by step. "What's New?"
  queries are recognised by their GGEP "WH" and reach only leaves that
  announced the feature (section 9).

  Rule: the SUT as an ultrapeer runs a leaf's query dynamically

    Background:
      Given the SUT runs as an ultrapeer
      And fixture leaf "L" is connected to the SUT

    @UP-1 @DQ-1
    Scenario: The SUT's answer to its leaf announces dynamic querying, its degree and its TTL limit
      Then the SUT's block to "L" says "X-Ultrapeer" is "True" and "X-Dynamic-Querying" is "0.1"
      And the SUT's block to "L" has "X-Query-Routing" and "X-Ultrapeer-Query-Routing"
      And the SUT's block to "L" gives "X-Degree" at least 16 and "X-Max-TTL" between 1 and 4

    @DQ-2 @DQ-3 @DQ-4 @DQ-5 @DQ-6
    Scenario: A leaf's query goes out as a probe, widens one ultrapeer at a time, and stops at the result target
      Given fixture ultrapeers "U1" to "U8" are connected to the SUT, each answering every query with 10 results
      When "L" sends a query for "falcon" with TTL 3 and hops 0
      Then exactly 3 of the ultrapeers receive that query at once, with TTL 2 and hops 1
      And after the probe the query goes to one more ultrapeer at a time, 1.5 to 10.6 seconds apart, with TTL at most 4, until "L" has 50 results
      And then no further ultrapeer receives it, and 3 of them never did

    @DQ-7 @DQ-8
    Scenario: A leaf that says it has enough results stops its ultrapeer's query
      Given fixture ultrapeers "U1" to "U8" are connected to the SUT, each answering every query with 1 result
      When "L" sends a query for "falcon" with TTL 3 and hops 0
      And the probe of that query has gone out
      And "L" says it wants no more results for that query
      Then no ultrapeer receives that query after that, though the target is not reached

    @DQ-11
    Scenario: A query from another ultrapeer is relayed to every ultrapeer at once, not run dynamically
      Given fixture ultrapeers "U1" to "U5" are connected to the SUT, each answering every query with 1 result
      When "U1" sends a query for "falcon" with TTL 3 and hops 0
      Then every other of "U1", "U2", "U3", "U4" and "U5" receives that query within 2 seconds, with TTL 2 and hops 1

  Rule: the SUT as a leaf tells its ultrapeers how its searches are doing

    @DQ-12 @VM-12
    Scenario: The SUT answers a query status request at once, and says stop when told to
      Given fixture ultrapeer "U1" is listening
      And the SUT runs as a leaf connected to "U1", sharing:
        | file                    |
        | amber falcon sonata.mp3 |
      And "U1" has accepted the SUT and received its QRP table
      When the SUT is asked to search for "heron"
      Then "U1" receives the SUT's query for "heron"
      When "U1" answers that query with a hit of 7 results
      And "U1" asks the SUT how that query is doing
      Then "U1" receives a query status for that query within 10 seconds, saying 7 results
      When the SUT is told to stop that search
      Then "U1" receives a query status for that query within 10 seconds, saying 65535 results

  Rule: What's New queries are told apart by GGEP "WH", never by their words

    @DQ-17 @WN-1
    Scenario: As a leaf the SUT answers What's New with a few of its files, whatever the query's text
      Given fixture ultrapeer "U1" is listening
      And the SUT runs as a leaf connected to "U1", sharing:
        | file                       |
        | amber falcon sonata.mp3    |
        | basalt heron etude.ogg     |
        | cobalt kestrel nocturne.ogg |
        | dune plover prelude.flac   |
      And "U1" has accepted the SUT and received its QRP table
      When "U1" sends a What's New query with the text "WhatIsNewXOXO" and TTL 1
      Then "U1" receives a hit for that query naming 1 to 3 of the SUT's files
      When "U1" sends a What's New query with the text "zebra" and TTL 1
      Then "U1" receives a hit for that query naming 1 to 3 of the SUT's files

    @DQ-17
    Scenario: As an ultrapeer the SUT passes What's New only to leaves that announced it, whatever their tables say
      Given the SUT runs as an ultrapeer
      And fixture ultrapeers "U1" and "U2" are connected to the SUT
      And fixture leaf "W" has connected to the SUT and sent a table for "amber falcon sonata.mp3"
      And fixture leaf "X" has connected to the SUT and sent a table for "basalt heron etude.ogg"
      And the SUT has taken the tables of "W" and "X"
      And "W" has told the SUT it supports What's New
      When "U1" sends a What's New query with the text "WhatIsNewXOXO" and TTL 3
      Then "W" receives that query
      And "U2" receives that query
      And "X" does not receive that query
