# The two commands a new user needs; each sets up everything it uses (pinned, under .tmp/).
.PHONY: test demo bench clean

test:
	bash hacking/test.sh

demo:
	bash hacking/demo.sh

bench:
	bash hacking/bench.sh

clean:
	rm -rf .tmp tests/output
