INSERT INTO urls(url, depth, referrer, state) VALUES ('http://a.test/', 0, '', 0), ('http://a.test/b', 1, 'http://a.test/', 1), ('http://a.test/c', 1, 'http://a.test/', 2);
UPDATE run SET open = 1;
INSERT INTO outputs VALUES ('stdout', 1, 2, 300);