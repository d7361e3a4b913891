module bunbase/init

go 1.23
