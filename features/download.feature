Feature: Swarmed, verified downloads and the upload server
  Networks of our servents, fixture uploaders on the host (HTTP sources that
  record what they are asked and can lie or go slowly) and raw HTTP fixtures,
  judged against shared/spec/http-transfers.md. Files of 1 MiB and more take
  many chunk requests; downloads are checked by the SHA-1 of the saved bytes,
  read back out of the node, never by the node's own word.

  @HTTP-1 @HTTP-10 @HTTP-11 @HTTP-22 @HTTP-23 @HTTP-24 @HTTP-25 @HTTP-32 @HTTP-37 @MAG-6
  Scenario: A file shared by four servents is downloaded by a fifth, some of it from each
    Given servents "S1", "S2", "S3" and "S4" run as ultrapeers sharing the 4 MiB file "swarm.bin"
    And servent "D" runs as an ultrapeer connected to servents "S1", "S2", "S3" and "S4"
    When servent "D" downloads the magnet of "swarm.bin"
    Then within 60 seconds servent "D" has saved "swarm.bin" with the right SHA-1
    And each of servents "S1", "S2", "S3" and "S4" served servent "D" some of "swarm.bin"
    And servent "D" checked "swarm.bin" against a Tiger tree one of them served

  @HTTP-26 @HTTP-30 @HTTP-33 @HTTP-35 @HTTP-36
  Scenario: A source that sends wrong bytes is banned and reported, and the download still ends right
    Given fixture uploader "liar" serves the 4 MiB file "bait.bin" with every byte flipped
    And fixture uploader "honest" serves the 4 MiB file "bait.bin" at 1024 KiB/s
    And servent "D" runs as an ultrapeer
    When servent "D" downloads the magnet of "bait.bin" from "liar" and "honest"
    Then within 60 seconds servent "D" has saved "bait.bin" with the right SHA-1
    And servent "D" reports source "liar" as banned
    And a request "honest" received after that names "liar" in X-NAlt

  @HTTP-28 @HTTP-37
  Scenario: A downloader killed half way resumes and fetches no verified range twice
    Given fixture uploader "slow" serves the 4 MiB file "resume.bin" at 512 KiB/s
    And servent "D" runs as an ultrapeer
    When servent "D" downloads the magnet of "resume.bin" from "slow"
    And within 30 seconds servent "D" has verified at least 1 MiB of "resume.bin"
    And servent "D" is killed and started again
    Then within 60 seconds servent "D" has saved "resume.bin" with the right SHA-1
    And "slow" served nothing after the restart that "D" had verified before it

  @HTTP-20 @HTTP-21 @HTTP-12
  Scenario: A servent still downloading serves the ranges it has verified, and only those
    Given fixture uploader "slow" serves the 4 MiB file "partial.bin" at 256 KiB/s
    And servent "D" runs as an ultrapeer
    When servent "D" downloads the magnet of "partial.bin" from "slow"
    And within 30 seconds servent "D" has verified at least 0.5 MiB of "partial.bin"
    And a fixture asks "D" for the first 100 bytes of "partial.bin"
    Then "D" answers 206 with those bytes, X-Available-Ranges and the content URN
    When a fixture asks "D" for the last 100 bytes of "partial.bin"
    Then "D" answers 416 with X-Available-Ranges naming only verified bytes

  @HTTP-19 @HTTP-11 @HTTP-18
  Scenario: An uploader with one slot queues a second downloader and serves it after the first
    Given servent "U" runs as an ultrapeer sharing the 4 MiB file "queue.bin" with 1 upload slot and polls between 1 and 20 seconds
    When fixture downloader "first" asks "U" for "queue.bin" and holds its slot
    And fixture downloader "second" asks "U" for "queue.bin"
    Then "second" is answered 503 with X-Queue position 1 and a poll window, on a connection kept open
    When "first" reads the rest and closes
    And "second" asks again on the same connection after the poll minimum
    Then "second" is answered 200 with the whole of "queue.bin"

  @HTTP-3 @HTTP-4 @HTTP-6 @HTTP-8 @HTTP-11
  Scenario Outline: A bad request gets its status and nothing else (<what>)
    Given servent "U" runs as an ultrapeer sharing the 4 MiB file "secret.bin"
    When a fixture asks "U" for "<target>" with Range "<range>"
    Then "U" answers <status> with Server and Content-Length, and no bytes of any file

    Examples:
      | what                  | target                                                  | range          | status |
      | dot-dot path          | /get/1/../../../etc/passwd                              |                | 404    |
      | encoded traversal     | /get/1/..%2F..%2F..%2Fetc%2Fpasswd                      |                | 404    |
      | absolute path         | /etc/passwd                                             |                | 404    |
      | encoded absolute path | /%2Fetc%2Fpasswd                                        |                | 404    |
      | unknown URN           | /uri-res/N2R?urn:sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  |                | 404    |
      | malformed URN         | /uri-res/N2R?urn:sha1:AAAA                              |                | 400    |
      | range past the end    | /uri-res/N2R?{urn}                                      | bytes=9999999- | 416    |
      | range without a unit  | /uri-res/N2R?{urn}                                      | 2-5            | 400    |
      | range backwards       | /uri-res/N2R?{urn}                                      | bytes=5-2      | 400    |
