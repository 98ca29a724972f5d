# EventBridge Scheduler: the group the api Lambda creates each strategy's buy and sell schedules
# in (crates/store/src/aws/eventbridge.rs), the role the schedules assume to put the timer
# message on orders.fifo, and the standard queue that takes fires that could not be delivered
# (Scheduler does not accept a FIFO dead-letter queue).

data "aws_caller_identity" "current" {}

resource "aws_scheduler_schedule_group" "strategies" {
  name = "${var.name}-strategies"
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-scheduler-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    # Only schedules of this account's strategy group may use the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_scheduler_schedule_group.strategies.arn]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  description        = "Assumed by the strategies' EventBridge schedules to send timer messages to orders.fifo."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "DeliverTimersAndDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [var.orders_queue_arn, aws_sqs_queue.dlq.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${var.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
