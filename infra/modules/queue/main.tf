# The order queue, SQS FIFO `<project>-<environment>-orders.fifo` (the prefix keeps a staging
# stack off production's queue; the code takes the URL from ALGO_ORDERS_QUEUE_URL): one message group per strategy, so one strategy's
# events run one at a time and in order. Content-based deduplication is on because EventBridge
# Scheduler's SQS target sets only a message group id (the app's own sends carry an explicit
# deduplication id, which takes precedence). After 5 failed receives a message moves to the
# dead-letter queue, which is alarmed.

resource "aws_sqs_queue" "orders_dlq" {
  name                        = "${var.name}-orders-dlq.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  message_retention_seconds   = 1209600 # 14 days to investigate
  sqs_managed_sse_enabled     = true
}

resource "aws_sqs_queue" "orders" {
  name                        = "${var.name}-orders.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  # High-throughput FIFO: a thousand strategies firing at 09:30 are a thousand groups.
  deduplication_scope   = "messageGroup"
  fifo_throughput_limit = "perMessageGroupId"

  # AWS's rule for Lambda event sources: at least 6x the function's timeout.
  visibility_timeout_seconds = var.consumer_timeout_seconds * 6
  # An order event older than a day is for a session that has closed.
  message_retention_seconds = var.message_retention_seconds
  receive_wait_time_seconds = 20
  sqs_managed_sse_enabled   = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "orders_dlq" {
  queue_url = aws_sqs_queue.orders_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.orders.arn]
  })
}
