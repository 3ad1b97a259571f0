# The two commands a new user needs; each sets up everything it uses (pinned, under .tmp/).
.PHONY: test demo clean

test:
	bash hacking/test.sh

demo:
	bash hacking/demo.sh

clean:
	rm -rf .tmp tests/output
