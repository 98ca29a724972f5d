import { Platform, Pressable, Switch, Text, View } from 'react-native';

import { describeError } from '../api/errors';
import { NOTIFICATION_KINDS, type Notification, type NotificationKind, type Preferences } from '../api/types';
import { colors } from '../components/theme';
import { Button, ErrorMessage, Loading, Screen, styles } from '../components/ui';
import { formatIstInstant } from '../domain/time';
import { strategyOf } from '../domain/notifications';
import {
  useMarkRead,
  useNotificationPreferences,
  useNotifications,
  useSaveNotificationPreferences,
} from '../hooks/useNotifications';
import { usePushState } from '../hooks/usePush';
import { useNavigation } from '../navigation/Navigator';
import { useServices } from '../services';
import { KIND_LABEL } from './labels';

function NotificationItem({
  notification,
  now,
  onPress,
}: {
  notification: Notification;
  now: number;
  onPress: () => void;
}) {
  const unread = notification.read_at === null;
  // A kind this version does not know shows as what it says, with no label of its own.
  const kind = notification.kind === 'other' ? null : KIND_LABEL[notification.kind];
  const when = formatIstInstant(notification.created_at, now);
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${unread ? 'Unread: ' : ''}${notification.title}, ${when}`}
      onPress={onPress}
      style={[styles.card, unread && { borderColor: colors.primary, borderWidth: 1 }]}
      testID={`notification-${notification.id}`}
    >
      <View style={styles.kv}>
        <Text style={styles.itemTitle}>
          {unread ? '● ' : ''}
          {notification.title}
        </Text>
        <Text style={styles.muted}>{when}</Text>
      </View>
      <Text style={{ color: colors.text }}>{notification.body}</Text>
      {kind ? <Text style={styles.muted}>{kind}</Text> : null}
    </Pressable>
  );
}

function PreferenceSwitch({
  label,
  value,
  disabled,
  onChange,
  testID,
}: {
  label: string;
  value: boolean;
  disabled: boolean;
  onChange: (value: boolean) => void;
  testID: string;
}) {
  return (
    <View style={styles.kv}>
      <Text style={styles.label}>{label}</Text>
      <Switch
        accessibilityRole="switch"
        accessibilityLabel={label}
        accessibilityState={{ checked: value, disabled }}
        value={value}
        disabled={disabled}
        onValueChange={onChange}
        testID={testID}
      />
    </View>
  );
}

/** Why this phone gets no push, when it gets none; nothing while it does (or is asking). */
function PushOnThisDevice() {
  const push = usePushState();
  let why: string | null = null;
  if (push.status === 'unsupported') {
    why =
      Platform.OS === 'web'
        ? 'a browser cannot receive them. The list here (and Telegram) still has every one.'
        : 'Expo cannot push to it (a simulator?).';
  } else if (push.status === 'denied') {
    why = 'notifications are not allowed for this app in the system settings.';
  } else if (push.status === 'failed') {
    why = `it could not be registered (${push.reason}). Sign in again to retry.`;
  }
  if (!why) return null;
  return (
    <Text style={styles.muted} testID="notification-push-off">
      Push is off on this device: {why}
    </Text>
  );
}

/** Whether `kind` is pushed / sent to Telegram, given the muted kinds. */
function withKind(muted: string[], kind: NotificationKind, on: boolean): string[] {
  const others = muted.filter((k) => k !== kind);
  return on ? others : [...others, kind];
}

/**
 * Push, Telegram and which kinds they carry. A change saves the whole preferences at once,
 * keeping muted kinds this version does not know; while it saves the switches show the new
 * value, and if it fails they fall back to what the server last saved.
 */
function PreferencesSection() {
  const loaded = useNotificationPreferences();
  const save = useSaveNotificationPreferences();

  if (loaded.isPending) {
    return <Loading label="Loading preferences…" testID="notification-preferences-loading" />;
  }
  if (!loaded.data) {
    return (
      <>
        <ErrorMessage
          message={`Could not load preferences: ${describeError(loaded.error)}`}
          testID="notification-preferences-error"
        />
        <Button
          label="Load preferences again"
          variant="secondary"
          onPress={() => void loaded.refetch()}
          testID="notification-preferences-retry"
        />
      </>
    );
  }

  const shown: Preferences = save.isPending && save.variables ? save.variables : loaded.data;
  const change = (next: Partial<Preferences>) => save.mutate({ ...shown, ...next });

  return (
    <View testID="notification-preferences">
      <Text style={styles.sectionTitle}>Preferences</Text>
      <PreferenceSwitch
        label="Push notifications"
        value={shown.push}
        disabled={save.isPending}
        onChange={(push) => change({ push })}
        testID="notification-preferences-push"
      />
      <PushOnThisDevice />
      <PreferenceSwitch
        label="Telegram"
        value={shown.telegram}
        disabled={save.isPending}
        onChange={(telegram) => change({ telegram })}
        testID="notification-preferences-telegram"
      />
      <Text style={styles.muted}>Push and Telegram carry these kinds; the list here keeps every one.</Text>
      {NOTIFICATION_KINDS.map((kind) => (
        <PreferenceSwitch
          key={kind}
          label={KIND_LABEL[kind]}
          value={!shown.muted_kinds.includes(kind)}
          disabled={save.isPending}
          onChange={(on) => change({ muted_kinds: withKind(shown.muted_kinds, kind, on) })}
          testID={`notification-preferences-kind-${kind}`}
        />
      ))}
      <ErrorMessage
        message={save.isError ? `Could not save preferences: ${describeError(save.error)}` : null}
        testID="notification-preferences-save-error"
      />
    </View>
  );
}

/**
 * What happened to the user's strategies, newest first. Tapping one marks it read and, when it
 * is about a strategy, opens that strategy.
 */
export function NotificationsScreen() {
  const navigation = useNavigation();
  const { now } = useServices();
  const list = useNotifications();
  const markRead = useMarkRead();
  const nowMs = now();
  const unread = list.data?.unread ?? 0;

  const open = (notification: Notification) => {
    if (notification.read_at === null) markRead.mutate({ ids: [notification.id] });
    const strategyId = strategyOf(notification);
    if (strategyId) navigation.push({ name: 'strategyControl', strategyId });
  };

  return (
    <Screen title="Notifications" testID="notifications-screen">
      <Button
        label="Mark all read"
        variant="secondary"
        onPress={() => markRead.mutate({ all: true })}
        disabled={unread === 0}
        busy={markRead.isPending}
        testID="notifications-mark-all"
      />
      <ErrorMessage
        message={markRead.error ? describeError(markRead.error) : null}
        testID="notifications-mark-error"
      />

      {list.isPending ? (
        <Loading label="Loading notifications…" testID="notifications-loading" />
      ) : list.isError && !list.data ? (
        <>
          <ErrorMessage message={describeError(list.error)} testID="notifications-error" />
          <Button
            label="Try again"
            variant="secondary"
            onPress={() => void list.refetch()}
            testID="notifications-retry"
          />
        </>
      ) : list.data ? (
        <>
          {list.isError ? (
            <ErrorMessage
              message={`Could not refresh: ${describeError(list.error)}`}
              testID="notifications-refresh-error"
            />
          ) : null}
          {list.data.notifications.length === 0 ? (
            <Text style={styles.muted} testID="notifications-empty">
              No notifications yet. Fills, stop-losses and failures will show up here.
            </Text>
          ) : (
            list.data.notifications.map((notification) => (
              <NotificationItem
                key={notification.id}
                notification={notification}
                now={nowMs}
                onPress={() => open(notification)}
              />
            ))
          )}
        </>
      ) : null}

      <PreferencesSection />
    </Screen>
  );
}
