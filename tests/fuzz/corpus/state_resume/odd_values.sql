INSERT INTO urls(url, depth, referrer, state) VALUES ('http://a.test/1', 2147483648, '', 9), ('http://a.test/2', 0, '', -1);
DELETE FROM run;
INSERT INTO outputs VALUES ('warc', -1, -1, -1);