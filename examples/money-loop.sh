#!/usr/bin/env bash
# The money loop, start to finish, against a running hub (README, "The money loop"):
# collect, watch settlement skip a weekend and count a make-up working day, pay part of the
# money out to a card, refund a debit, present a debit that failed for lack of funds again
# after topping the payer's account up, and watch National Day week hold a settlement back —
# with the balances and the trial balance after every step.
#
#   OP=dk_op_… examples/money-loop.sh            # DAIKOU_URL defaults to http://localhost:8080
#
# It moves the sandbox's test clock to September 2024 (the hub must run in sandbox mode, as
# `npm start` does) and uses a merchant of its own, so it can run again on the same hub.
# Needs curl and jq.
set -euo pipefail

BASE=${DAIKOU_URL:-http://localhost:8080}
: "${OP:?set OP to the operator key that the first start printed}"
RUN=${RUN:-$(date +%s)}                # makes references and idempotency keys unique per run
PAYER_CARD=6222021234567890128         # ICBC, passes the Luhn check
PAYEE_CARD=6222029876543210011         # the card the payout goes to

# api METHOD PATH KEY [BODY] [IDEMPOTENCY-KEY]: the answer's body; a 4xx/5xx stops the script.
api() {
  local method=$1 path=$2 key=$3 body=${4:-} idem=${5:-}
  local args=(-sS --fail-with-body -X "$method" "$BASE$path" -H "Authorization: Bearer $key")
  [[ -n $body ]] && args+=(-H 'content-type: application/json' -d "$body")
  [[ -n $idem ]] && args+=(-H "Idempotency-Key: $idem")
  curl "${args[@]}"
}

# wait_for DESCRIPTION PATH KEY JQ-TEST: polls PATH until JQ-TEST holds (30 s at most).
wait_for() {
  local description=$1 path=$2 key=$3 test=$4
  for _ in $(seq 1 150); do
    if api GET "$path" "$key" | jq -e "$test" >/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "gave up waiting for: $description" >&2
  api GET "$path" "$key" >&2
  exit 1
}

clock() {
  api POST /v1/sandbox/clock "$OP" "{ \"now\": \"$1\" }" >/dev/null
  echo
  echo "== $1 ($2)"
}

# The workers settle by themselves when the clock moves; this runs settlement now and says what waits.
settle() {
  api POST /v1/settlements/run "$OP" '{}' | jq -r '.waiting[] | "waiting: the debits of \(.business_date) (\(.code)), due on \(.settles_on)"'
}

settled() { # settled BUSINESS-DATE: waits for the merchant's settlement of that date and shows it
  wait_for "the debits of $1 to settle" "/v1/settlements?business_date=$1" "$MK" '.data | length > 0'
  api GET "/v1/settlements?business_date=$1" "$MK" | jq -r '.data[] | "settled: \(.count) debit(s) of \(.business_date), \(.amount) fen, on \(.settles_on)"'
}

balances() {
  api GET /v1/balances "$MK" | jq -r --arg step "$1" '"balances after \($step): pending=\(.pending) available=\(.available) reserved=\(.reserved)"'
}

payer_account() {
  api PUT "/v1/sandbox/accounts/$PAYER_CARD" "$OP" "{ \"status\": \"open\", \"balance\": $1 }" >/dev/null
}

debit() { # debit AMOUNT REFERENCE: the new debit's id
  api POST /v1/debits "$MK" "{ \"mandate_id\": \"$MANDATE\", \"amount\": $1, \"currency\": \"CNY\", \"reference\": \"$2\" }" "debit-$2" | jq -r .id
}

final() { # final PATH: waits until the instruction is succeeded or failed, prints its status and code
  wait_for "$1 to be final" "$1" "$MK" '.status == "succeeded" or .status == "failed"'
  api GET "$1" "$MK" | jq -r '"\(.id) \(.status)\(if .failure then " " + .failure.code else "" end)"'
}

clock 2024-09-27T10:00:00+08:00 "a Friday"
MK=$(api POST /v1/merchants "$OP" '{
  "name": "深圳市水务集团", "category": "utility",
  "settlement_account": { "account_number": "4403010012345678901", "bank_code": "ICBC",
                          "region_code": "440300", "holder_name": "深圳市水务集团有限公司" } }' | jq -r .api_key)
MANDATE=$(api POST /v1/mandates "$MK" "{
  \"payer\": { \"account_number\": \"$PAYER_CARD\", \"account_kind\": \"personal\", \"medium\": \"bank_card\", \"holder_name\": \"张三\" },
  \"agreement_number\": \"AGR-$RUN\", \"signed_at\": \"2024-01-01\" }" | jq -r .id)
payer_account 100000                                   # the payer has 1,000.00 yuan
FIRST=$(debit 10000 "INV-$RUN-1")                      # 100.00 yuan; the standard plan's fee is 0.20 %
final "/v1/debits/$FIRST"
payer_account 100                                      # then only 1.00 yuan
POOR=$(debit 50000 "INV-$RUN-2")                       # 500.00 yuan: fails, insufficient_funds
final "/v1/debits/$POOR"
balances "collecting on Friday"

clock 2024-09-28T23:59:00+08:00 "Saturday: not a business day"
settle
balances "Saturday"

clock 2024-09-29T00:05:00+08:00 "Sunday, worked before National Day (调休): Friday's debit settles"
settle
settled 2024-09-27
balances "the make-up working day"

payer_account 100000                                   # the payer's account is topped up
AGAIN=$(api POST "/v1/debits/$POOR/represent" "$MK" '' "represent-$RUN" | jq -r .id)
final "/v1/debits/$AGAIN"
balances "presenting the failed debit again"

PAYOUT=$(api POST /v1/payouts "$MK" "{
  \"payee\": { \"account_number\": \"$PAYEE_CARD\", \"account_kind\": \"personal\", \"holder_name\": \"李四\" },
  \"amount\": 5000, \"currency\": \"CNY\", \"reference\": \"PAY-$RUN-1\" }" "payout-$RUN" | jq -r .id)
final "/v1/payouts/$PAYOUT"
balances "paying 50.00 yuan out (fee 1.00 yuan)"

REFUND=$(api POST "/v1/debits/$FIRST/refunds" "$MK" '{ "amount": 3000, "reason": "overcharged" }' "refund-$RUN" | jq -r .id)
final "/v1/payouts/$REFUND"
balances "refunding 30.00 yuan of the first debit"

clock 2024-09-30T10:00:00+08:00 "Monday, the last business day before National Day"
settle
settled 2024-09-29
HOLIDAY=$(debit 20000 "INV-$RUN-3")
final "/v1/debits/$HOLIDAY"
balances "collecting before the holiday"

clock 2024-10-07T23:00:00+08:00 "the last day of National Day week"
settle
balances "the holiday"

clock 2024-10-08T00:30:00+08:00 "the first business day after it"
settle
settled 2024-09-30
balances "the first business day after the holiday"

echo
api GET "/v1/sandbox/accounts/$PAYER_CARD" "$OP" | jq -r '"the payer'"'"'s bank received: " + ([.received[] | "\(.direction) \(.amount) \(.outcome)"] | join(", "))'
api GET /v1/ledger/trial-balance "$OP" | jq -r '"trial balance: total=\(.total)"'
