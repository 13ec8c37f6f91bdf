//! The store conformance suite: every test runs against SQLite and against
//! PostgreSQL (when `KEPT_TEST_POSTGRES_URL` is set), each on a fresh database.

mod audit;
mod auth;
mod backup;
mod calendars;
mod change_rebase;
mod change_refusals;
mod changes;
mod contract_visibility;
mod contracts;
mod import;
mod inbound;
mod legacy_changes;
mod links;
mod notify;
mod order_check;
mod orders;
mod parties;
mod promise_integrity;
mod promise_watch;
mod promises;
mod queue_order;
mod requests;
mod requests_queue;
mod services;
mod support;
mod teams;
mod users;
mod webhooks;

/// Declares each listed test (an `async fn(Arc<dyn Store>)` in the named
/// module) once per backend.
macro_rules! conformance {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = kept_store::testing::TestDatabase::sqlite();
                    crate::$module::$name(db.store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = kept_store::testing::TestDatabase::postgres().await else { return };
                    crate::$module::$name(db.store().await).await;
                }
            )*
        }
    };
}

conformance! {
    order_check::an_unusual_order_is_questioned_as_it_would_be_recorded,
    orders::order_lines_are_history_newest_first,
    orders::past_orders_are_imported_whole_or_not_at_all,
    promise_integrity::integrity_is_counted_per_group_in_sql_over_the_period,
    promise_integrity::integrity_of_one_team_counts_only_its_requests,
    promise_integrity::a_customer_of_one_site_counts_only_its_own_promises,
    promises::a_promise_is_renegotiated_in_time_and_settled_at_fulfilment,
    promises::an_agreement_after_the_date_breaks_the_promise,
    promises::a_request_recorded_with_its_promise_gets_the_row_and_a_second_event,
    promises::a_promise_made_at_intake_is_replaced_once_and_not_after_a_proposal,
    promise_watch::the_watch_raises_promise_at_risk_once_per_date_and_clears_the_mark,
    promise_watch::concurrent_watchers_raise_promise_at_risk_once,
    promise_watch::a_watch_racing_new_promises_for_the_same_requests_never_deadlocks,
    promise_watch::the_at_risk_list_is_by_date_for_the_providers_people_and_drops_settled_promises,
    inbound::a_contract_takes_requests_at_one_intake_address_of_its_own,
    inbound::a_message_is_recorded_once_with_its_answer,
    inbound::a_reply_by_mail_and_its_message_are_one_transaction,
    inbound::a_request_raised_by_mail_records_its_message,
    notify::events_that_tell_someone_write_outbox_rows_in_their_transaction,
    notify::failed_deliveries_retry_on_schedule_then_die_and_can_be_retried_by_hand,
    notify::concurrent_claims_never_hand_out_one_delivery_twice,
    notify::kept_mail_is_kept_once_and_marks_its_delivery_sent,
    notify::contacts_keys_and_opt_outs,
    notify::the_fan_out_reads_a_batch_in_one_go,
    webhooks::subscriptions_read_back_list_by_owner_or_party_and_are_found_by_topic,
    webhooks::subscriptions_of_archived_owners_or_unknown_parties_are_refused,
    webhooks::deleting_a_subscription_silences_it_and_gives_up_what_waits,
    changes::the_terms_in_force_are_those_of_the_latest_version_to_have_started,
    changes::a_version_in_force_is_never_edited_and_later_terms_need_a_change_request,
    changes::terms_naming_services_off_the_contract_are_refused,
    changes::a_change_runs_from_draft_to_applied_under_a_majority,
    changes::only_members_decide_each_once_and_only_approved_changes_apply,
    changes::one_rejection_under_all_rejects_and_withdrawn_changes_stay_withdrawn,
    changes::applying_adds_customers_at_once_and_refuses_a_start_before_approval,
    change_refusals::changes_naming_unknown_parties_or_services_are_refused,
    change_refusals::an_ended_contract_takes_no_more_changes,
    changes::concurrent_approvals_reach_the_quorum_exactly_once,
    changes::change_requests_list_for_those_who_see_them,
    change_rebase::a_change_drafted_on_an_older_version_keeps_what_was_applied_since,
    change_rebase::a_change_touching_what_changed_since_is_refused_until_redrafted_and_approved_again,
    change_rebase::a_draft_written_against_an_unknown_version_is_refused,
    change_rebase::two_approved_changes_applied_at_once_keep_both_or_refuse_the_conflicting_one,
    import::parties_are_imported_in_order_with_a_parent_named_by_an_earlier_rows_reference,
    import::links_are_imported_in_order_and_a_loop_keeps_none_of_them,
    import::contracts_are_imported_with_their_customers_services_and_approvers,
    import::a_failing_import_row_is_reported_by_its_index_and_nothing_is_kept,
    import::every_imported_row_is_audited_under_the_importing_actor,
    contracts::a_contract_reads_back_with_its_customers_services_and_approvers,
    contracts::a_contract_naming_unusable_things_is_refused_naming_the_field,
    contracts::contracts_are_seen_by_their_provider_client_customers_and_steering_group,
    contracts::the_people_of_a_part_of_a_customer_see_its_contract_and_no_other,
    contracts::a_contract_is_renamed_and_ended_with_an_audit_trail,
    contracts::contracts_are_found_by_the_service_and_calendar_they_name_within_scope,
    contract_visibility::the_domain_rule_and_the_store_agree_on_who_sees_each_contract,
    services::a_service_reads_back_with_its_scope_and_defaults,
    services::invalid_details_and_unknown_providers_are_refused,
    services::services_list_by_provider_within_scope_and_changes_are_audited,
    calendars::a_calendar_reads_back_with_its_rules,
    calendars::an_invalid_calendar_or_unknown_owner_is_refused,
    calendars::calendars_list_by_name_within_the_owners_scope,
    calendars::changing_and_archiving_a_calendar_is_audited,
    links::a_link_reads_back_and_lists_for_either_party,
    links::a_duplicate_link_and_unknown_parties_are_refused,
    links::a_link_that_closes_a_loop_is_refused_naming_the_path,
    links::an_ended_link_is_left_out_of_walks_and_restoring_it_rechecks_loops,
    links::the_training_chain_walks_up_to_the_publisher_and_down_to_the_participants,
    links::links_are_visible_to_those_who_see_either_party,
    links::concurrent_links_cannot_close_a_loop_between_them,
    parties::a_created_party_reads_back_as_it_was_written,
    parties::nesting_rules_and_missing_parents_are_refused,
    parties::children_inherit_the_internal_flag_unless_told,
    parties::references_are_unique,
    parties::lineage_runs_from_the_top_down,
    parties::lists_are_scoped_to_the_subtrees_granted_plus_context,
    parties::lists_filter_by_kind_parent_subtree_flag_and_name,
    parties::pagination_walks_every_party_once_in_either_order,
    parties::a_bad_cursor_is_invalid_input,
    parties::moving_a_party_carries_its_subtree,
    parties::moving_a_party_under_itself_or_its_descendants_is_refused,
    parties::archiving_needs_children_archived_first_and_restoring_needs_the_parent,
    parties::concurrent_writes_all_succeed,
    users::creating_a_user_makes_their_person_party,
    users::emails_are_unique_whatever_their_case,
    users::a_login_can_attach_to_an_existing_person_only_once,
    users::the_principal_carries_grants_and_context,
    users::grants_are_unique_and_revocable,
    users::archiving_a_user_ends_sessions_and_tokens,
    users::user_lists_are_scoped_searched_and_paged,
    users::updating_a_user_changes_email_and_person_name,
    auth::tokens_authenticate_until_revoked_or_expired,
    auth::sessions_expire_collide_and_can_be_ended_per_user,
    auth::invitations_set_a_password_once,
    auth::sign_in_failures_are_counted_per_pair_and_per_address,
    auth::idempotency_keys_claim_replay_and_refuse_mismatches,
    auth::purging_removes_only_what_has_expired,
    audit::changes_are_logged_newest_first_and_filterable,
    audit::migrating_twice_changes_nothing,
    requests::a_request_is_recorded_with_its_number_first_event_and_clocks,
    requests::a_request_runs_its_lifecycle_and_illegal_steps_change_nothing,
    requests::requests_are_seen_by_the_provider_the_client_the_customer_site_and_the_requester,
    requests::clocks_on_a_stored_calendar_fall_due_in_its_business_hours,
    requests::a_request_raised_in_the_past_is_measured_from_then,
    requests::a_paused_clock_on_office_hours_falls_due_where_the_calendar_crate_says,
    requests_queue::editing_a_calendars_hours_re_plans_the_alarms_of_open_requests,
    requests_queue::an_escalation_is_noted_downstream_and_public_upstream_events_are_relayed,
    requests_queue::due_alarms_are_raised_once_and_a_breach_marks_the_request,
    requests_queue::concurrent_sweeps_raise_each_alarm_exactly_once,
    requests_queue::concurrent_changes_to_one_request_append_events_in_order_without_gaps,
    requests_queue::the_queue_puts_breaches_first_then_the_earliest_due_and_pages_through_every_request,
    requests_queue::the_queue_filters_by_status_kind_sla_customer_and_due,
    teams::members_and_absences_read_back_and_leaving_takes_the_absences,
    teams::assigning_a_request_records_it_and_refuses_strangers_and_other_teams,
    teams::a_teams_open_work_carries_effort_due_and_assignee_and_intake_uses_the_default_team,
    queue_order::the_queue_lists_the_soonest_due_first_whatever_business_time_each_has_left,
}
