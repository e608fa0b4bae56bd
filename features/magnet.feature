Feature: Magnet links
  `gnutella-servent download 'magnet:…'` run inside a node: exact sources
  are used as given, a magnet with only a hash, a name and a size is found by
  searching, and the file is saved under a safe name once its SHA-1 checks
  out (shared/spec/magnet.md).

  @MAG-1 @MAG-3 @MAG-4 @MAG-5
  Scenario: A magnet whose exact source is a fixture uploader
    Given fixture uploader "mirror" serves the 1 MiB file "manual.pdf"
    And servent "D" runs as an ultrapeer
    When servent "D" runs "gnutella-servent download" with the magnet of "manual.pdf" and "mirror" as xs
    Then the command exits 0 and prints a path in servent "D"'s downloads folder
    And that file has the SHA-1 of "manual.pdf"

  @MAG-6 @MAG-7
  Scenario: A magnet with a hash, a name and a size is found by searching, and saved under a safe name
    Given servents "S" run as ultrapeers sharing the 1 MiB file "free software song.ogg"
    And servent "D" runs as an ultrapeer connected to servents "S"
    When servent "D" runs "gnutella-servent download" with "magnet:?xt=urn:sha1:{sha1}&dn=..%2F..%2Ffree+software+song.ogg&xl={size}"
    Then the command exits 0 and prints a path in servent "D"'s downloads folder
    And that file has the SHA-1 of "free software song.ogg"
